import json
import os

import numpy as np


def train(hyperparameters, channel_input_dirs, num_gpus, hosts, **kwargs):
    data = np.loadtxt(os.path.join(channel_input_dirs["train"], "data.csv"), delimiter=",", ndmin=2)
    print("legacy train on", len(data), "rows, lr", hyperparameters.get("lr"), "gpus", num_gpus)
    return data.mean(axis=0)


def save(model, model_dir):
    np.save(os.path.join(model_dir, "mean.npy"), model)
    with open(os.path.join(model_dir, "meta.json"), "w") as out:
        json.dump({"kind": "mean"}, out)
