import argparse
import glob
import os

import tensorflow as tf

CHECKPOINT_DIR = "/opt/ml/checkpoints"


def input_fn(channel, batch_size):
    files = glob.glob(os.path.join(channel, "*.tfrecord"))
    return tf.data.TFRecordDataset(files).batch(batch_size)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    args = parser.parse_args()
    callbacks = [tf.keras.callbacks.ModelCheckpoint(os.path.join(CHECKPOINT_DIR, "ckpt-{epoch}.weights.h5"), save_weights_only=True)]
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(input_fn(args.train, 32), epochs=args.epochs, callbacks=callbacks)
    model.export(os.path.join(os.environ["SM_MODEL_DIR"], "1"))
