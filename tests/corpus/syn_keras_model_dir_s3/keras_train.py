"""Synthetic liftshift corpus trainer: TF script mode: --model_dir (S3) plus --sm-model-dir."""

import argparse
import os

import numpy as np
import tensorflow as tf


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model_dir", type=str)
    parser.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAINING"))
    parser.add_argument("--hosts", type=list, default=os.environ.get("SM_HOSTS"))
    parser.add_argument("--current-host", type=str, default=os.environ.get("SM_CURRENT_HOST"))
    return parser.parse_known_args()


if __name__ == "__main__":
    args, unknown = parse()
    x = np.load(os.path.join(args.train, "x.npy"))
    y = np.load(os.path.join(args.train, "y.npy"))
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(loss="mse")
    model.fit(x, y, epochs=1)
    if args.current_host == args.hosts[0]:
        model.save(os.path.join(args.sm_model_dir, "000000001"))
