import os
import pickle

import lightgbm as lgb
import pandas as pd

TRAIN = "/opt/ml/input/data/training/train.csv"
VALID = "/opt/ml/input/data/validation/valid.csv"
MODEL = "/opt/ml/model/lgbm.pkl"
FAILURE = "/opt/ml/output/failure"

try:
    train = pd.read_csv(TRAIN)
    valid = pd.read_csv(VALID)
    booster = lgb.train({"objective": "binary"}, lgb.Dataset(train.drop(columns="label"), train["label"]),
                        valid_sets=[lgb.Dataset(valid.drop(columns="label"), valid["label"])])
    with open(MODEL, "wb") as out:
        pickle.dump(booster, out)
except Exception as exc:
    with open(FAILURE, "w") as f:
        f.write(str(exc))
    raise
