"""Synthetic liftshift corpus trainer: the trainer, with stale notebook checkpoints next to it."""

import argparse
import os

import joblib
import numpy as np
from sklearn.svm import SVC

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", default="rbf")
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args = parser.parse_args()
    data = np.load(os.path.join(args.train, "train.npz"))
    model = SVC(kernel=args.kernel).fit(data["x"], data["y"])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
