"""Synthetic liftshift corpus trainer: trainer a parent launcher names."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_depth", type=int, default=3)
    parser.add_argument("--model_dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args, _ = parser.parse_known_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    model = DecisionTreeClassifier(max_depth=args.max_depth).fit(frame.iloc[:, 1:], frame.iloc[:, 0])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
