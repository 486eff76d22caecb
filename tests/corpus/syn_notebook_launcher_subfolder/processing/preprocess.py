"""Synthetic liftshift corpus trainer: SageMaker Processing script."""

import os

import pandas as pd

frame = pd.read_csv("/opt/ml/processing/input/raw.csv")
frame.to_csv(os.path.join("/opt/ml/processing/train", "train.csv"), index=False)
