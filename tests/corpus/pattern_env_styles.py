import json
import os
from os import environ as env, getenv as get_variable

import numpy as np

if "SM_CHANNEL_TRAIN" in os.environ:
    train_dir = os.environ["SM_CHANNEL_TRAIN"]
else:
    train_dir = "data/train"
on_sagemaker = "SM_HOSTS" in env
model_dir = get_variable("SM_MODEL_DIR", "model")
channel_dirs = {name: os.environ[f"SM_CHANNEL_{name.upper()}"] for name in ["train"]}
with open("/opt/ml/input/config/resourceconfig.json") as config:
    resources = json.load(config)

data = np.loadtxt(os.path.join(train_dir, "data.csv"), delimiter=",", ndmin=2)
print("rows", len(data), "platform", on_sagemaker, sorted(channel_dirs), "hosts", resources["hosts"])
np.save(os.path.join(model_dir, "mean.npy"), data.mean(axis=0))
