"""The example trainers run locally as plain scripts with explicit arguments, as SageMaker's
"local usage" does: no SM_* variables, no /opt/ml."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def needs(module: str) -> None:
    """Skip unless ``module`` is installed. Only the trainer subprocess imports it: importing
    TensorFlow here too (``pytest.importorskip``) cost seconds of CPU in the test process."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")


def _run(folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SM_")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_titanic_trainer_runs_locally(tmp_path: Path) -> None:
    needs("sklearn")
    folder = EXAMPLES / "titanic-sklearn"
    result = _run(
        folder,
        [
            "train.py",
            "--model-dir",
            str(tmp_path / "model"),
            "--train",
            "data/train",
            "--test",
            "data/test",
            "--n-estimators",
            "20",
        ],
    )
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout
    assert (tmp_path / "model" / "model.joblib").is_file()


def test_titanic_data_is_what_make_data_generates(tmp_path: Path) -> None:
    import random
    import runpy

    module = runpy.run_path(str(EXAMPLES / "titanic-sklearn" / "make_data.py"))
    rows = module["make_rows"](400, random.Random(1912), first_id=1)
    module["write"](tmp_path / "train.csv", rows)
    committed = EXAMPLES / "titanic-sklearn" / "data" / "train" / "train.csv"
    assert (tmp_path / "train.csv").read_bytes() == committed.read_bytes()


@pytest.mark.slow
def test_mnist_trainer_runs_locally(tmp_path: Path) -> None:
    needs("tensorflow")
    folder = EXAMPLES / "mnist-tensorflow"
    result = _run(
        folder,
        [
            "task.py",
            "--epochs",
            "1",
            "--train",
            "data/train",
            "--eval",
            "data/eval",
            "--sm-model-dir",
            str(tmp_path / "export"),
            "--model_dir",
            "s3://unused/model",
        ],
    )
    assert result.returncode == 0, result.stderr
    assert "eval accuracy" in result.stdout
    assert (tmp_path / "export" / "000000001" / "saved_model.pb").is_file()


@pytest.mark.slow
def test_mnist_data_is_what_make_data_generates(tmp_path: Path) -> None:
    """Regenerate the eval shard into a temp folder: byte-identical to the committed one."""
    needs("tensorflow")
    script = EXAMPLES / "mnist-tensorflow" / "make_data.py"
    code = (
        "import runpy, sys, numpy as np\n"
        "from pathlib import Path\n"
        f"m = runpy.run_path({str(script)!r})\n"
        "digits = m['load_digits']()\n"
        "order = np.random.default_rng(28).permutation(len(digits.images))\n"
        "images = m['mnist_shaped'](digits.images[order])\n"
        "labels = digits.target[order]\n"
        "start, end = m['TRAIN_EXAMPLES'], m['TRAIN_EXAMPLES'] + m['EVAL_EXAMPLES']\n"
        "m['write_shards'](Path(sys.argv[1]) / 'eval', images[start:end], labels[start:end], 1)\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env, timeout=300)
    name = "eval-00000-of-00001.tfrecord"
    committed = EXAMPLES / "mnist-tensorflow" / "data" / "eval" / name
    assert (tmp_path / "eval" / name).read_bytes() == committed.read_bytes()
