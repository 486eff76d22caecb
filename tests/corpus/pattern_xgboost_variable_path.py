import argparse
import os

import xgboost as xgb

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num_round", type=int, default=10)
    parser.add_argument("--model_dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    args, _ = parser.parse_known_args()
    dtrain = xgb.DMatrix(os.path.join(args.train, "train.libsvm"))
    booster = xgb.train({"objective": "binary:logistic"}, dtrain, args.num_round)
    model_location = args.model_dir + "/xgboost-model"
    booster.save_model(model_location)
