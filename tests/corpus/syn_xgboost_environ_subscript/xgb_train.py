"""Synthetic liftshift corpus trainer: XGBoost with os.environ[...] channel reads and xgboost-model."""

import argparse
import os

import xgboost as xgb

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int, default=50)
    parser.add_argument("--max_depth", type=int, default=5)
    args, _ = parser.parse_known_args()
    dtrain = xgb.DMatrix(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.libsvm"))
    dvalid = xgb.DMatrix(os.path.join(os.environ["SM_CHANNEL_VALIDATION"], "valid.libsvm"))
    booster = xgb.train({"max_depth": args.max_depth}, dtrain, args.num_round, evals=[(dvalid, "validation")])
    model_location = os.path.join(os.environ["SM_MODEL_DIR"], "xgboost-model")
    booster.save_model(model_location)
