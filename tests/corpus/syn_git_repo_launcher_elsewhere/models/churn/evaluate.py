"""Synthetic liftshift corpus trainer: evaluation script next to the trainer."""

import json
import os

import torch

model = torch.load(os.path.join("/opt/ml/processing/model", "model.pth"))
json.dump({"ok": True}, open("/opt/ml/processing/evaluation/evaluation.json", "w"))
