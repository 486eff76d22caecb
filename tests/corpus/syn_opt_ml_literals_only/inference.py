"""Synthetic liftshift corpus trainer: SageMaker handlers next to the trainer."""

import os

import joblib


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
