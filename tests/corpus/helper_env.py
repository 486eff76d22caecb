import os

import joblib
from sklearn.tree import DecisionTreeClassifier


def get_env(name, default=None):
    """Read an environment variable."""
    return os.environ.get(name, default)


def env_int(name):
    return int(os.environ[name])


MODEL_DIR = get_env("SM_MODEL_DIR", "model")
TRAIN_DIR = get_env("SM_CHANNEL_TRAIN")
GPUS = env_int("SM_NUM_GPUS")


def main():
    import numpy as np

    data = np.loadtxt(os.path.join(TRAIN_DIR, "data.csv"), delimiter=",")
    clf = DecisionTreeClassifier().fit(data[:, 1:], data[:, 0])
    joblib.dump(clf, os.path.join(MODEL_DIR, "tree.joblib"))


if __name__ == "__main__":
    main()
