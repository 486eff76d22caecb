"""Synthetic liftshift corpus trainer: the trainer next to a preprocessing script."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    model = LogisticRegression(C=args.C).fit(frame.drop(columns=["y"]), frame["y"])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))


if __name__ == "__main__":
    main()
