import argparse
import json
import os

import pandas as pd


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAINING"])
    parser.add_argument("--model_dir", type=str, required=True)
    parser.add_argument("--output-dir", default=os.environ["SM_OUTPUT_DATA_DIR"])
    return parser.parse_known_args()


if __name__ == "__main__":
    args, _ = parse_args()
    hyperparameters = json.loads(os.environ["SM_HPS"])
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    frame.describe().to_csv(os.path.join(args.output_dir, "summary.csv"))
    print(hyperparameters, args.model_dir)
