"""Synthetic liftshift corpus trainer: no main guard, argparse at module level, channels via SM_CHANNEL_*."""

import argparse
import os
import pickle

import numpy as np
from sklearn.cluster import KMeans

parser = argparse.ArgumentParser()
parser.add_argument("--k", type=int, default=8)
parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
args = parser.parse_args()

points = np.load(os.path.join(args.train, "points.npy"))
model = KMeans(n_clusters=args.k).fit(points)
with open(os.path.join(os.environ.get("SM_MODEL_DIR"), "model.pkl"), "wb") as handle:
    pickle.dump(model, handle)
