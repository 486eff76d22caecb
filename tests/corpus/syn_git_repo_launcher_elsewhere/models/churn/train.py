"""Synthetic liftshift corpus trainer: trainer that a launcher elsewhere in the repo names."""

import argparse
import os

import torch
from torch import nn


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--data-dir", type=str, default=os.environ["SM_CHANNEL_TRAINING"])
    args = parser.parse_args()
    data = torch.load(os.path.join(args.data_dir, "tensors.pt"))
    model = nn.Linear(data["x"].shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(args.epochs):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(data["x"]), data["y"])
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), os.path.join(args.model_dir, "model.pth"))


if __name__ == "__main__":
    main()
