"""Synthetic liftshift corpus trainer: a trainer that reads no SM_* at all (paths are plain flags)."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default=50)
    parser.add_argument("--train", default="data/train")
    parser.add_argument("--model-dir", default="model")
    args = parser.parse_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    model = RandomForestClassifier(n_estimators=args.n_estimators)
    model.fit(frame.drop(columns=["label"]), frame["label"])
    os.makedirs(args.model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))


if __name__ == "__main__":
    main()
