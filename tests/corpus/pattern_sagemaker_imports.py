import argparse
import os

import joblib
import numpy as np
import smdebug.xgboost as smd
from sagemaker_inference import content_types, decoder
from sklearn.linear_model import LinearRegression


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(request_body, request_content_type):
    return decoder.decode(request_body, content_types.NPY)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()
    hook = smd.Hook.create_from_json_file()
    data = np.loadtxt(os.path.join(args.train, "data.csv"), delimiter=",", ndmin=2)
    model = LinearRegression().fit(data[:, 1:], data[:, 0])
    hook.save_scalar("rows", len(data))
    print("fitted", len(data))
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
