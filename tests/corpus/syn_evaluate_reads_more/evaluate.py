"""Synthetic liftshift corpus trainer: an evaluation script with more SM_* reads than the trainer."""

import json
import os

import joblib
import pandas as pd

if __name__ == "__main__":
    model = joblib.load(os.path.join(os.environ["SM_CHANNEL_MODEL"], "model.joblib"))
    test = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_TEST"], "test.csv"))
    score = model.score(test.iloc[:, 1:], test.iloc[:, 0])
    out = os.environ["SM_OUTPUT_DATA_DIR"]
    hosts = json.loads(os.environ["SM_HOSTS"])
    json.dump({"score": score, "hosts": hosts}, open(os.path.join(out, "eval.json"), "w"))
