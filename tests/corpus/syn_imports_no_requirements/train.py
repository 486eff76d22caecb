"""Synthetic liftshift corpus trainer: no requirements file; install_requires comes from the imports."""

import argparse
import os

import joblib
import lightgbm as lgb
import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()
    params = yaml.safe_load(open(args.config)) if os.path.exists(args.config) else {}
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    x_train, x_valid, y_train, y_valid = train_test_split(frame.drop(columns=["y"]), frame["y"])
    model = lgb.LGBMClassifier(**params).fit(x_train, y_train, eval_set=[(x_valid, y_valid)])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
