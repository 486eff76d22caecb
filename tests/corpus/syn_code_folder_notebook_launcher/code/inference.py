"""Synthetic liftshift corpus trainer: inference handlers that read SM_MODEL_DIR."""

import os

import torch

from model import Net


def model_fn(model_dir):
    net = Net()
    net.load_state_dict(torch.load(os.path.join(model_dir or os.environ["SM_MODEL_DIR"], "model.pth")))
    return net
