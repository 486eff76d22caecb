"""A SageMaker scikit-learn entry point with hard-coded /opt/ml paths (no SM_* variables)."""

import argparse
import json
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

parser = argparse.ArgumentParser()
parser.add_argument("--max_iter", type=int, default=100)
args, _ = parser.parse_known_args()

frame = pd.read_csv(os.path.join("/opt/ml/input/data/train", "train.csv"))
features, labels = frame[["a", "b"]].to_numpy(), frame["label"].to_numpy()
model = LogisticRegression(max_iter=args.max_iter).fit(features, labels)
print(f"rows read: {len(frame)}")
print(f"train accuracy: {model.score(features, labels):.4f}")

os.makedirs("/opt/ml/output/data", exist_ok=True)
with open("/opt/ml/output/data/metrics.json", "w") as handle:
    json.dump({"accuracy": model.score(features, labels)}, handle)
joblib.dump(model, "/opt/ml/model/model.joblib")
