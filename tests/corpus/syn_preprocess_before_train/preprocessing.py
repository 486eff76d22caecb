"""Synthetic liftshift corpus trainer: a preprocessing script reading SM_* sorts before train.py."""

import os

import pandas as pd

if __name__ == "__main__":
    raw = os.environ.get("SM_CHANNEL_RAW", "/opt/ml/input/data/raw")
    out = os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")
    frame = pd.read_csv(os.path.join(raw, "raw.csv"))
    frame.dropna().to_csv(os.path.join(out, "clean.csv"), index=False)
