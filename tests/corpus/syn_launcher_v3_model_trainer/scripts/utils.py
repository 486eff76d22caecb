"""Synthetic liftshift corpus trainer: utilities."""

import os

CHANNEL = os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")
