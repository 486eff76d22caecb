"""Synthetic liftshift corpus trainer: model definition module."""

from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(784, 10)

    def forward(self, x):
        return self.layer(x.view(-1, 784))
