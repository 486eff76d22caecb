import os
import subprocess
import sys
import textwrap

import libcst as cst
import pytest

from liftshift.codemods.envrewrite import EMBEDDED_OPT_ML_TODO
from liftshift.codemods.ls003_sm_env import RULE
from liftshift.codemods.runtime import HELPERS
from tests.codemods.helpers import assert_codemod, context, helpers_free, run


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (
            'os.environ["SM_CHANNEL_TRAIN"]',
            '_liftshift_path(_liftshift_required_arg("--train"))',
        ),
        (
            'os.environ.get("SM_CHANNEL_TRAIN")',
            '_liftshift_path(_liftshift_arg("--train", None, None))',
        ),
        (
            'os.environ.get("SM_CHANNEL_TRAIN", "data")',
            '_liftshift_path(_liftshift_arg("--train", None, "data"))',
        ),
        ('os.getenv("SM_CHANNEL_TRAIN")', '_liftshift_path(_liftshift_arg("--train", None, None))'),
        ('environ["SM_CHANNEL_TRAIN"]', '_liftshift_path(_liftshift_required_arg("--train"))'),
        (
            'getenv("SM_CHANNEL_TRAIN", default="d")',
            '_liftshift_path(_liftshift_arg("--train", None, "d"))',
        ),
        ('json.loads(os.environ["SM_HOSTS"])', "json.loads(_liftshift_hosts())"),
        ('os.environ["SM_CURRENT_HOST"]', "_liftshift_current_host()"),
        ('int(os.environ["SM_NUM_GPUS"])', "int(_liftshift_num_gpus())"),
        ('int(os.environ["SM_NUM_CPUS"])', "int(_liftshift_num_cpus())"),
        (
            'json.loads(os.environ["SM_HPS"])',
            'json.loads(_liftshift_hyperparameters("--train", "--test"))',
        ),
        ('os.environ["SM_HP_LEARNING-RATE"]', '_liftshift_arg("--learning-rate", None, None)'),
        (
            'os.environ["SM_OUTPUT_DATA_DIR"]',
            '_liftshift_folder(_liftshift_path(_liftshift_output_dir("data")))',
        ),
        ('"/opt/ml/input/data/train"', '_liftshift_path(_liftshift_arg("--train", None, None))'),
        (
            '"/opt/ml/output/data"',
            '_liftshift_folder(_liftshift_path(_liftshift_output_dir("data")))',
        ),
    ],
)
def test_every_read_style(read: str, expected: str) -> None:
    source = f"import json\nimport os\nfrom os import environ, getenv\n\nvalue = {read}\n"
    out = helpers_free(run(RULE, source))
    assert f"value = {expected}\n" in out
    assert "SM_" not in out
    # applied twice: no change
    once = run(RULE, source)
    assert run(RULE, once) == once


def test_channel_argument_keeps_its_flag() -> None:
    helper = HELPERS["_liftshift_path"].strip()
    assert_codemod(
        RULE,
        "import argparse, os\n"
        "p = argparse.ArgumentParser()\n"
        'p.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))\n'
        'p.add_argument("--test", default=os.environ["SM_CHANNEL_TEST"])  # the test set\n'
        "a = p.parse_args()\n",
        "import argparse, os\n\n\n"
        f"{helper}\n\n\n"
        "p = argparse.ArgumentParser()\n"
        'p.add_argument("--train", type=_liftshift_path, default=None)\n'
        'p.add_argument("--test", required=True, type=_liftshift_path)  # the test set\n'
        "a = p.parse_args()\n",
        dedent=False,
    )


def test_missing_channel_argument_is_added_and_recorded() -> None:
    ctx = context()
    out = run(
        RULE,
        "import argparse, os\np = argparse.ArgumentParser()\np.add_argument('--epochs')\n"
        "train_dir = os.environ['SM_CHANNEL_TRAIN']\n",
        ctx,
    )
    assert "p.add_argument('--train', type=_liftshift_path, default=None)" in out
    assert "p.add_argument('--test', type=_liftshift_path, default=None)" in out
    assert ctx.added_arguments == {"train": "--train", "test": "--test"}


def test_gs_access_keeps_channel_uris() -> None:
    out = helpers_free(
        run(RULE, "import os\nd = os.environ['SM_CHANNEL_TRAIN']\n", context(data_access="gs"))
    )
    assert "d = _liftshift_required_arg('--train')" in out


@pytest.mark.parametrize(
    ("source", "todo"),
    [
        ('import os\nx = os.environ[f"SM_{kind}_DIR"]\n', "built at run time"),
        ("import os\nx = os.environ['SM_TRAINING_ENV']\n", "SM_TRAINING_ENV has no Vertex AI"),
        ("from sagemaker_training import environment\n", "sagemaker_training only exists"),
        ("import smdistributed.modelparallel.torch as smp\n", "smdistributed"),
        ("from sagemaker_tensorflow import PipeModeDataset\n", "Pipe mode"),
        ("p = '/opt/ml/input/config/checkpointconfig.json'\n", "no Vertex AI equivalent"),
        ("p = f'/opt/ml/input/data/{c}'\n", "built at run time"),
        ("KEYS = ['SM_CHANNEL_TRAIN']\n", "SM_CHANNEL_TRAIN is a SageMaker variable"),
    ],
)
def test_unsafe_cases_get_an_inline_todo(source: str, todo: str) -> None:
    once = run(RULE, source)
    assert "# TODO(liftshift): LS003: " in once
    assert todo in once
    assert run(RULE, once) == once
    cst.parse_module(once)


def test_no_keyerror_outside_sagemaker() -> None:
    out = run(RULE, "import os\nx = os.environ['SM_TRAINING_ENV']\nprint(x)\n")
    assert "os.environ.get('SM_TRAINING_ENV', '{}')" in out


def test_docstrings_are_prose() -> None:
    source = '"""Reads SM_CHANNEL_TRAIN from /opt/ml/input/data/train."""\n'
    assert run(RULE, source) == source


def test_no_op_on_plain_code() -> None:
    source = "import os\n\nprint(os.environ.get('PATH'))\n"
    assert run(RULE, source) == source


def test_helpers_run_outside_sagemaker(tmp_path) -> None:
    """The inserted helpers compute sensible values with no cloud variable set."""
    source = textwrap.dedent(
        """\
        import json, os
        print(json.dumps({
            "train": os.environ["SM_CHANNEL_TRAIN"],
            "hosts": json.loads(os.environ["SM_HOSTS"]),
            "host": os.environ["SM_CURRENT_HOST"],
            "gpus": int(os.environ["SM_NUM_GPUS"]),
            "cpus": int(os.environ["SM_NUM_CPUS"]),
            "hps": json.loads(os.environ["SM_HPS"]),
            "out": os.environ["SM_OUTPUT_DATA_DIR"],
        }))
        """
    )
    script = tmp_path / "train.py"
    script.write_text(run(RULE, source), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SM_", "AIP_"))}
    env.pop("CLUSTER_SPEC", None)
    env.pop("TF_CONFIG", None)
    args = [sys.executable, str(script), "--train", "gs://b/data", "--epochs", "3", "--lr", "x"]
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
    import json

    values = json.loads(out)
    assert values["train"] == "/gcs/b/data"
    assert values["hosts"] == ["localhost"] and values["host"] == "localhost"
    assert values["cpus"] >= 1 and values["gpus"] >= 0
    assert values["hps"]["epochs"] == 3 and values["hps"]["lr"] == "x"
    assert values["out"] == "output/data"

    spec = {
        "cluster": {
            "workerpool0": ["cmle-training-workerpool0-ab-0:2222"],
            "workerpool1": ["cmle-training-workerpool1-ab-0:2222"],
        },
        "task": {"type": "workerpool1", "index": 0},
    }
    env["CLUSTER_SPEC"] = json.dumps(spec)
    env["AIP_MODEL_DIR"] = "gs://b/job/model"
    values = json.loads(
        subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
    )
    assert values["hosts"] == ["cmle-training-workerpool0-ab-0", "cmle-training-workerpool1-ab-0"]
    assert values["host"] == "cmle-training-workerpool1-ab-0"
    assert values["out"] == "/gcs/b/job/output/data"


def test_a_string_naming_opt_ml_inside_is_tagged_at_its_line() -> None:
    """``"ls -lR /opt/ml/input"`` is no path to rewrite, but names a layout Vertex AI lacks."""
    assert_codemod(
        RULE,
        """\
        import subprocess
        subprocess.call("ls -lR /opt/ml/input".split())
        """,
        f"""\
        import subprocess
        # TODO(liftshift): LS003: {EMBEDDED_OPT_ML_TODO}
        subprocess.call("ls -lR /opt/ml/input".split())
        """,
    )


def test_prose_naming_opt_ml_is_left() -> None:
    source = '"""Reads /opt/ml/input/data/train on SageMaker."""\n\nprint("SageMaker read it")\n'
    assert run(RULE, source) == source
