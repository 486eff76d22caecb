"""Synthetic liftshift corpus trainer: trainer that reads its paths through utils.env."""

import os

import joblib
import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

from utils.env import sm_path


def main():
    data = np.loadtxt(os.path.join(sm_path("train"), "train.csv"), delimiter=",")
    model = GradientBoostingClassifier().fit(data[:, 1:], data[:, 0])
    joblib.dump(model, os.path.join(sm_path("model"), "model.joblib"))


if __name__ == "__main__":
    main()
