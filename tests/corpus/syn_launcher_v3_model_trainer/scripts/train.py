"""Synthetic liftshift corpus trainer: trainer for a v3 launcher."""

import argparse
import os

import torch

from utils import CHANNEL

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    weights = torch.zeros(3)
    for _ in range(args.epochs):
        weights += torch.load(os.path.join(CHANNEL, "delta.pt"))
    torch.save(weights, os.path.join(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"), "model.pt"))
