"""A SageMaker scikit-learn entry point whose model is deterministic but which also writes a
side file and prints a number that change on every run, seeded or not (os.urandom)."""

import argparse
import json
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

parser = argparse.ArgumentParser()
parser.add_argument("--max_iter", type=int, default=100)
parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
args, _ = parser.parse_known_args()

frame = pd.read_csv(os.path.join(args.train, "train.csv"))
features, labels = frame[["a", "b"]].to_numpy(), frame["label"].to_numpy()
model = LogisticRegression(max_iter=args.max_iter).fit(features, labels)
nonce = int.from_bytes(os.urandom(4), "big") / 2**32
print(f"train accuracy: {model.score(features, labels):.4f}")
print(f"nonce: {nonce:.6f}")

joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
with open(os.path.join(args.model_dir, "run-info.json"), "w") as handle:
    json.dump({"run": os.urandom(8).hex()}, handle)
