"""Train the MNIST CNN: a SageMaker TensorFlow script-mode entry point.

SageMaker runs ``python task.py --model_dir s3://.../model --epochs 5 ...``: ``--model_dir`` is an
S3 URI for checkpoints, while the SavedModel for serving goes to SM_MODEL_DIR (``--sm-model-dir``).
Locally it runs with explicit paths:

    python task.py --epochs 1 --train data/train --eval data/eval --sm-model-dir /tmp/export
"""

import argparse
import glob
import os

import model
import tensorflow as tf

IMAGE_SIZE = model.IMAGE_SIZE


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    # TF script mode passes --model_dir (an S3 URI); the export goes to SM_MODEL_DIR
    parser.add_argument("--model_dir", type=str)
    parser.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--eval", type=str, default=os.environ.get("SM_CHANNEL_EVAL"))
    parser.add_argument("--hosts", type=list, default=os.environ.get("SM_HOSTS"))
    parser.add_argument("--current-host", type=str, default=os.environ.get("SM_CURRENT_HOST"))
    return parser.parse_known_args()


def _parse(record):
    features = tf.io.parse_single_example(
        record,
        {
            "image": tf.io.FixedLenFeature([], tf.string),
            "label": tf.io.FixedLenFeature([], tf.int64),
        },
    )
    image = tf.io.decode_raw(features["image"], tf.uint8)
    image = tf.reshape(image, [IMAGE_SIZE, IMAGE_SIZE, 1])
    return tf.cast(image, tf.float32), features["label"]


def input_fn(channel_dir, batch_size, shuffle):
    """Read every TFRecord file in a channel directory."""
    files = sorted(glob.glob(os.path.join(channel_dir, "*.tfrecord")))
    if not files:
        raise FileNotFoundError(f"no .tfrecord files in {channel_dir}")
    dataset = tf.data.TFRecordDataset(files).map(_parse)
    if shuffle:
        dataset = dataset.shuffle(1024, seed=0)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


if __name__ == "__main__":
    args, _ = parse_args()
    tf.keras.utils.set_random_seed(0)

    train_ds = input_fn(args.train, args.batch_size, shuffle=True)
    eval_ds = input_fn(args.eval, args.batch_size, shuffle=False)

    cnn = model.build_model(args.learning_rate)
    cnn.fit(train_ds, epochs=args.epochs, validation_data=eval_ds, verbose=2)
    loss, accuracy = cnn.evaluate(eval_ds, verbose=0)
    print(f"eval loss: {loss:.4f} eval accuracy: {accuracy:.4f}")

    # TensorFlow Serving wants a numbered version directory
    tf.saved_model.save(cnn, os.path.join(args.sm_model_dir, "000000001"))
