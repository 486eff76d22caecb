"""Synthetic liftshift corpus trainer: path helper in another module."""

import os


def sm_path(kind, default=None):
    """SageMaker paths by kind: model, train, test."""
    names = {"model": "SM_MODEL_DIR", "train": "SM_CHANNEL_TRAIN", "test": "SM_CHANNEL_TEST"}
    return os.environ.get(names[kind], default)
