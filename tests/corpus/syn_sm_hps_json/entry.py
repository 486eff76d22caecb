"""Synthetic liftshift corpus trainer: hyperparameters from SM_HPS and the channels from SM_CHANNELS."""

import json
import os

import joblib
import pandas as pd
from sklearn.neighbors import KNeighborsClassifier


def main():
    hps = json.loads(os.environ.get("SM_HPS", "{}"))
    channels = json.loads(os.environ.get("SM_CHANNELS", "[]"))
    train_dir = os.environ.get("SM_CHANNEL_TRAIN")
    frame = pd.read_csv(os.path.join(train_dir, "train.csv"))
    model = KNeighborsClassifier(n_neighbors=int(hps.get("k", 5)))
    model.fit(frame.iloc[:, 1:], frame.iloc[:, 0])
    print("channels", channels)
    joblib.dump(model, os.path.join(os.environ.get("SM_MODEL_DIR"), "model.joblib"))


if __name__ == "__main__":
    main()
