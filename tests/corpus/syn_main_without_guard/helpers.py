"""Synthetic liftshift corpus trainer: helper with a main guard that only reads data."""

import os

import numpy as np

if __name__ == "__main__":
    print(np.load(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "points.npy")).shape)
