"""Synthetic liftshift corpus trainer: paths as /opt/ml literals, no environment reads."""

import os

import joblib
import pandas as pd
from sklearn.naive_bayes import GaussianNB

TRAIN = "/opt/ml/input/data/training"
VALIDATION = "/opt/ml/input/data/validation"
MODEL = "/opt/ml/model"

if __name__ == "__main__":
    train = pd.read_csv(os.path.join(TRAIN, "train.csv"), header=None)
    valid = pd.read_csv(os.path.join(VALIDATION, "valid.csv"), header=None)
    model = GaussianNB().fit(train.iloc[:, 1:], train.iloc[:, 0])
    print("validation accuracy", model.score(valid.iloc[:, 1:], valid.iloc[:, 0]))
    joblib.dump(model, os.path.join(MODEL, "model.joblib"))
