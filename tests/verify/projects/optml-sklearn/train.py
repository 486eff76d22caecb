"""A SageMaker scikit-learn entry point with hard-coded /opt/ml paths (no SM_* variables)."""

import argparse
import json
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

parser = argparse.ArgumentParser()
parser.add_argument("-C", type=float, default=1.0)  # SageMaker passes a one-letter key as -C
args, _ = parser.parse_known_args()

frame = pd.read_csv(os.path.join("/opt/ml/input/data/train", "train.csv"))
features, labels = frame[["a", "b"]].to_numpy(), frame["label"].to_numpy()
model = LogisticRegression(C=args.C).fit(features, labels)
print(f"rows read: {len(frame)}")
print(f"C: {args.C}")
print(f"train accuracy: {model.score(features, labels):.4f}")

os.makedirs("/opt/ml/output/data", exist_ok=True)
with open("/opt/ml/output/data/metrics.json", "w") as handle:
    json.dump({"accuracy": model.score(features, labels)}, handle)
joblib.dump(model, "/opt/ml/model/model.joblib")
