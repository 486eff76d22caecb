"""Synthetic liftshift corpus trainer: the trainer."""

import os

import joblib
import pandas as pd
from sklearn.linear_model import SGDClassifier

if __name__ == "__main__":
    train = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"))
    model = SGDClassifier().fit(train.iloc[:, 1:], train.iloc[:, 0])
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
