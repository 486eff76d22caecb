import argparse
import os

import tensorflow as tf


def serving_input_fn():
    features = {"x": tf.compat.v1.placeholder(tf.float32, [None, 4])}
    return tf.estimator.export.ServingInputReceiver(features, features)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model_dir", type=str)
    parser.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    args, _ = parser.parse_known_args()
    estimator = tf.estimator.LinearClassifier(
        feature_columns=[tf.feature_column.numeric_column("x", shape=[4])],
        model_dir=args.model_dir,
    )
    estimator.export_saved_model(args.sm_model_dir, serving_input_fn)
