import io
import json
import os

import joblib
import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge


def train():
    train_dir = os.environ["SM_CHANNEL_TRAIN"]
    frame = pd.read_csv(os.path.join(train_dir, "train.csv"))
    model = Ridge().fit(frame.drop(columns="y"), frame["y"])
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "ridge.pkl"))


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "ridge.pkl"))


def input_fn(request_body, request_content_type):
    if request_content_type == "text/csv":
        return pd.read_csv(io.StringIO(request_body), header=None)
    raise ValueError(request_content_type)


def predict_fn(input_data, model):
    return model.predict(input_data)


def output_fn(prediction, content_type):
    return json.dumps(np.asarray(prediction).tolist())


if __name__ == "__main__":
    train()
