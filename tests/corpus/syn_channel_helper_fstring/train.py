"""Synthetic liftshift corpus trainer: channel paths built with an f-string helper."""

import argparse
import os

import joblib
import pandas as pd
from sklearn.linear_model import ElasticNet


def channel(name):
    return os.environ.get(f"SM_CHANNEL_{name.upper()}", os.path.join("/opt/ml/input/data", name))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, default=0.5)
    args = parser.parse_args()
    train = pd.read_csv(os.path.join(channel("train"), "train.csv"))
    model = ElasticNet(alpha=args.alpha).fit(train.iloc[:, 1:], train.iloc[:, 0])
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
