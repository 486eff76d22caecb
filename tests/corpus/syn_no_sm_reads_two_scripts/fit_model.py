"""Synthetic liftshift corpus trainer: no SM_* reads; two scripts, only one saves a model."""

import argparse
import pickle

import numpy as np
from sklearn.linear_model import Ridge

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--data", default="data.npz")
    parser.add_argument("--out", default="model.pkl")
    args = parser.parse_args()
    data = np.load(args.data)
    with open(args.out, "wb") as handle:
        pickle.dump(Ridge(alpha=args.alpha).fit(data["x"], data["y"]), handle)
