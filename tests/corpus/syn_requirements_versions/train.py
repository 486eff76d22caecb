"""Synthetic liftshift corpus trainer: Keras trainer, framework version pinned in requirements.txt."""

import argparse
import os

import pandas as pd
import tensorflow as tf

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    args, _ = parser.parse_known_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(frame.drop(columns=["y"]).values, frame["y"].values, epochs=args.epochs)
    model.save(os.path.join(args.sm_model_dir, "1"))
