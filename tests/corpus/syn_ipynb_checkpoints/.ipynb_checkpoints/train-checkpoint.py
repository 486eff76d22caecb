"""Synthetic liftshift corpus trainer: a Jupyter checkpoint copy, never a candidate."""

import argparse
import os

import joblib
from sklearn.svm import SVC

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args = parser.parse_args()
    joblib.dump(SVC(), os.path.join(args.model_dir, "model.joblib"))
