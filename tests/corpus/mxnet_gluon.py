import argparse
import json
import logging
import os

import mxnet as mx
from mxnet import gluon


def train(current_host, hosts, num_gpus, channel_input_dirs, model_dir, epochs):
    ctx = [mx.gpu(i) for i in range(num_gpus)] if num_gpus > 0 else [mx.cpu()]
    kvstore = "device" if len(hosts) == 1 else "dist_sync"
    net = gluon.nn.Dense(10)
    net.initialize(ctx=ctx)
    logging.info("training on %s with %s", channel_input_dirs["training"], kvstore)
    if current_host == hosts[0]:
        net.export(os.path.join(model_dir, "model"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    env = json.loads(os.environ["SM_TRAINING_ENV"])
    parser.add_argument("--current-host", type=str, default=env["current_host"])
    parser.add_argument("--hosts", type=list, default=env["hosts"])
    args = parser.parse_args()
    train(args.current_host, args.hosts, int(os.environ["SM_NUM_GPUS"]),
          {"training": os.environ["SM_CHANNEL_TRAINING"]}, os.environ["SM_MODEL_DIR"], args.epochs)
