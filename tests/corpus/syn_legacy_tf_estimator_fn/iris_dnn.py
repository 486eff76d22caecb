"""Synthetic liftshift corpus trainer: legacy TensorFlow framework mode: estimator_fn and train_input_fn."""

import os

import numpy as np
import tensorflow as tf

INPUT_TENSOR_NAME = "inputs"


def estimator_fn(run_config, params):
    columns = [tf.feature_column.numeric_column(INPUT_TENSOR_NAME, shape=[4])]
    return tf.estimator.DNNClassifier(feature_columns=columns, hidden_units=[10, 20, 10], n_classes=3, config=run_config)


def train_input_fn(training_dir, params):
    return _input_fn(training_dir, "iris_training.csv")


def eval_input_fn(training_dir, params):
    return _input_fn(training_dir, "iris_test.csv")


def _input_fn(training_dir, name):
    data = np.loadtxt(os.path.join(training_dir, name), delimiter=",", skiprows=1)
    return tf.compat.v1.estimator.inputs.numpy_input_fn(x={INPUT_TENSOR_NAME: data[:, :4]}, y=data[:, 4].astype(int), shuffle=True)()


def serving_input_fn(params):
    feature_spec = {INPUT_TENSOR_NAME: tf.compat.v1.placeholder(tf.float32, [None, 4])}
    return tf.estimator.export.build_raw_serving_input_receiver_fn(feature_spec)()
