"""Generate small MNIST-shaped TFRecords from scikit-learn's bundled digits (no download).

The 8x8 digits are scaled 3x to 24x24 and padded to 28x28, then written as ``tf.train.Example``
records with a raw ``image`` (784 uint8 bytes) and an int64 ``label``, the layout the trainer's
``input_fn`` parses. Run ``python make_data.py`` to rewrite ``data/train`` and ``data/eval``.
"""

from pathlib import Path

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits

HERE = Path(__file__).resolve().parent
TRAIN_EXAMPLES = 320
EVAL_EXAMPLES = 80
TRAIN_SHARDS = 2


def mnist_shaped(images: np.ndarray) -> np.ndarray:
    """(n, 8, 8) digits in 0..16 -> (n, 28, 28) uint8 in 0..255."""
    scaled = np.kron(images, np.ones((1, 3, 3)))  # 24x24
    padded = np.pad(scaled, ((0, 0), (2, 2), (2, 2)))
    return np.clip(padded * 16, 0, 255).astype(np.uint8)


def to_example(image: np.ndarray, label: int) -> bytes:
    feature = {
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
    }
    example = tf.train.Example(features=tf.train.Features(feature=feature))
    return example.SerializeToString(deterministic=True)  # protobuf maps have no fixed order


def write_shards(folder: Path, images: np.ndarray, labels: np.ndarray, shards: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.tfrecord"):
        old.unlink()
    for shard, indices in enumerate(np.array_split(np.arange(len(images)), shards)):
        path = folder / f"{folder.name}-{shard:05d}-of-{shards:05d}.tfrecord"
        with tf.io.TFRecordWriter(str(path)) as writer:
            for index in indices:
                writer.write(to_example(images[index], labels[index]))


def main() -> None:
    digits = load_digits()
    order = np.random.default_rng(28).permutation(len(digits.images))
    images = mnist_shaped(digits.images[order])
    labels = digits.target[order]
    train_end = TRAIN_EXAMPLES
    eval_end = TRAIN_EXAMPLES + EVAL_EXAMPLES
    write_shards(HERE / "data" / "train", images[:train_end], labels[:train_end], TRAIN_SHARDS)
    write_shards(HERE / "data" / "eval", images[train_end:eval_end], labels[train_end:eval_end], 1)


if __name__ == "__main__":
    main()
