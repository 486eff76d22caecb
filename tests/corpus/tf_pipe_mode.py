import json
import os

import tensorflow as tf
from sagemaker_tensorflow import PipeModeDataset

HOSTS = json.loads(os.environ["SM_HOSTS"])
CURRENT = os.environ["SM_CURRENT_HOST"]
NUM_GPUS = int(os.environ["SM_NUM_GPUS"])


def train_input_fn(channel="train"):
    ds = PipeModeDataset(channel=channel, record_format="TFRecord")
    return ds.repeat().batch(32)


worker_index = HOSTS.index(CURRENT)
print("worker", worker_index, "of", len(HOSTS), "gpus", NUM_GPUS)
model_dir = os.environ["SM_MODEL_DIR"]
tf.saved_model.save(tf.Module(), os.path.join(model_dir, "1"))
