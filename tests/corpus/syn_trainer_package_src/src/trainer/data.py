"""Synthetic liftshift corpus trainer: data loader."""

import os

import numpy as np


def load(folder):
    data = np.loadtxt(os.path.join(folder, "train.csv"), delimiter=",")
    return data[:, 1:], data[:, 0]
