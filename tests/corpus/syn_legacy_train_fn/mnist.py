"""Synthetic liftshift corpus trainer: pre-2019 MXNet framework mode: only train(...) for the old containers."""

import logging
import os

import mxnet as mx


def train(channel_input_dirs, hyperparameters, hosts, num_gpus, **kwargs):
    batch_size = hyperparameters.get("batch_size", 100)
    epochs = hyperparameters.get("epochs", 10)
    train_dir = channel_input_dirs["train"]
    data = mx.io.MNISTIter(image=os.path.join(train_dir, "train-images-idx3-ubyte"), batch_size=batch_size)
    net = mx.gluon.nn.Dense(10)
    net.initialize()
    logging.info("training for %d epochs", epochs)
    return net


def save(net, model_dir):
    net.export(os.path.join(model_dir, "model"))
