from liftshift.codemods.ls004_gcs_input import RULE
from tests.codemods.helpers import assert_codemod, context, helpers_free, run

TF_INPUT = """\
import glob
import os

import tensorflow as tf


def input_fn(channel_dir):
    files = sorted(glob.glob(os.path.join(channel_dir, "*.tfrecord")))
    if not os.path.exists(channel_dir):
        raise FileNotFoundError(channel_dir)
    return tf.data.TFRecordDataset(files)
"""


def test_fuse_access_leaves_channel_reads_alone() -> None:
    """Channel paths arrive FUSE-mapped (LS003), so glob + TFRecordDataset work as they are."""
    assert run(RULE, TF_INPUT) == TF_INPUT


def test_gs_access_lists_through_tf_io_gfile() -> None:
    assert_codemod(
        RULE,
        TF_INPUT,
        TF_INPUT.replace("glob.glob(", "tf.io.gfile.glob(").replace(
            "os.path.exists(", "tf.io.gfile.exists("
        ),
        context(data_access="gs"),
        dedent=False,
    )


def test_gs_access_without_tensorflow_is_a_todo() -> None:
    out = run(RULE, "import os\nfiles = os.listdir(d)\n", context(data_access="gs"))
    assert "# TODO(liftshift): LS004: os.listdir cannot list gs:// URIs" in out


def test_gs_literals_go_through_fuse_and_s3_literals_are_flagged() -> None:
    source = (
        "import pandas as pd\ndf = pd.read_csv('gs://b/x.csv')\nraw = pd.read_csv('s3://b/y.csv')\n"
    )
    once = run(RULE, source)
    assert "df = pd.read_csv(_liftshift_path('gs://b/x.csv'))" in helpers_free(once)
    assert "# TODO(liftshift): LS004: reads s3://b/y.csv from S3" in once
    assert run(RULE, once) == once
