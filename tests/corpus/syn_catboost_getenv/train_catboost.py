"""Synthetic liftshift corpus trainer: CatBoost with os.getenv reads."""

import argparse
import os

import pandas as pd
from catboost import CatBoostClassifier


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--model_dir", type=str, default=os.getenv("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.getenv("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", type=str, default=os.getenv("SM_CHANNEL_VALIDATION"))
    return parser.parse_known_args()[0]


if __name__ == "__main__":
    args = parse_args()
    train = pd.read_csv(os.path.join(args.train, "train.csv"))
    valid = pd.read_csv(os.path.join(args.validation, "valid.csv"))
    model = CatBoostClassifier(iterations=args.iterations)
    model.fit(train.drop(columns=["y"]), train["y"], eval_set=(valid.drop(columns=["y"]), valid["y"]))
    model.save_model(os.path.join(args.model_dir, "catboost-model.cbm"))
