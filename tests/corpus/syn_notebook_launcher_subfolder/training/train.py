"""Synthetic liftshift corpus trainer: trainer named by a notebook launcher, source_dir=training."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.ensemble import AdaBoostClassifier

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n_estimators", type=int, default=50)
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAIN"])
    args, _ = parser.parse_known_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    model = AdaBoostClassifier(n_estimators=args.n_estimators).fit(frame.iloc[:, 1:], frame.iloc[:, 0])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
