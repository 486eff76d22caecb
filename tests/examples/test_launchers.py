"""The example launchers are real SageMaker SDK v2 code: build their estimators offline.

The SDK is imported here only (it is heavy and only the ``examples`` extra installs it). A
``sagemaker.Session`` over a boto session with a fixed region and fake credentials builds
without calling AWS; ``fit`` is replaced by a recorder so nothing is submitted.
"""

from __future__ import annotations

import json
import os
import runpy
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def offline_sagemaker(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Fake AWS credentials and region, no config files, and ``fit`` that only records."""
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    sagemaker_estimator = pytest.importorskip("sagemaker.estimator")
    calls: list[tuple[Any, Any]] = []

    def record_fit(self: Any, inputs: Any = None, *args: Any, **kwargs: Any) -> None:
        calls.append((self, inputs))

    monkeypatch.setattr(sagemaker_estimator.EstimatorBase, "fit", record_fit)
    return calls


def test_titanic_launcher_builds_an_sklearn_estimator(
    offline_sagemaker: list[tuple[Any, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sagemaker.sklearn.estimator import SKLearn

    monkeypatch.chdir(EXAMPLES / "titanic-sklearn")
    runpy.run_path("launch.py", run_name="__main__")

    ((estimator, inputs),) = offline_sagemaker
    assert isinstance(estimator, SKLearn)
    assert estimator.entry_point == "train.py"
    assert estimator.instance_type == "ml.m4.xlarge"
    assert estimator.framework_version == "1.2-1"
    assert set(estimator.hyperparameters()) >= {"n-estimators", "features", "target"}
    assert inputs == {
        "train": "s3://acme-ml-datasets/titanic/train/train.csv",
        "test": "s3://acme-ml-datasets/titanic/test/test.csv",
    }


def test_mnist_notebook_builds_a_tensorflow_estimator(
    offline_sagemaker: list[tuple[Any, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sagemaker.tensorflow import TensorFlow

    folder = EXAMPLES / "mnist-tensorflow"
    monkeypatch.chdir(folder)
    notebook = json.loads((folder / "launch.ipynb").read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if ".deploy(" in source:  # stop before deploying: that needs a trained model
            break
        exec(compile(source, "launch.ipynb", "exec"), namespace)

    ((estimator, inputs),) = offline_sagemaker
    assert isinstance(estimator, TensorFlow)
    assert estimator.entry_point == "task.py"
    assert estimator.instance_type == "ml.p3.2xlarge"
    assert estimator.framework_version == "2.14"
    assert inputs == {
        "train": "s3://acme-ml-datasets/mnist/train",
        "eval": "s3://acme-ml-datasets/mnist/eval",
    }
