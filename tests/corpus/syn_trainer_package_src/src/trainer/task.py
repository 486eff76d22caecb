"""Synthetic liftshift corpus trainer: trainer inside a package folder with a data module."""

import argparse
import os

import joblib

from trainer import data
from sklearn.ensemble import ExtraTreesRegressor

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()
    x, y = data.load(args.train)
    joblib.dump(ExtraTreesRegressor().fit(x, y), os.path.join(args.model_dir, "model.joblib"))
