"""Synthetic liftshift corpus trainer: data preparation next to the trainer."""

import os

import pandas as pd

raw = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_RAW"], "raw.csv"))
raw.to_csv("/opt/ml/processing/output/train.csv")
