"""The issue's "Done when" facts, over the two example projects."""

from __future__ import annotations

from liftshift.scan import scan_project
from tests.scan.conftest import EXAMPLES


def test_titanic_scan() -> None:
    scan = scan_project(EXAMPLES / "titanic-sklearn")
    data = scan.to_dict()
    assert data["schema_version"] == 1
    (launcher,) = data["launchers"]
    assert launcher["location"]["path"] == "launch.py"
    assert launcher["estimator"] == "sagemaker.sklearn.estimator.SKLearn"
    assert launcher["framework"] == "sklearn"
    assert launcher["entry_point"] == "train.py"
    assert launcher["instance_type"] == "ml.m4.xlarge"
    assert launcher["hyperparameters"] == {
        "n-estimators": 200,
        "features": "Pclass Sex Age SibSp Parch Fare Embarked",
        "target": "Survived",
    }
    assert {channel["name"]: channel["uri"] for channel in launcher["channels"]} == {
        "train": "s3://acme-ml-datasets/titanic/train/train.csv",
        "test": "s3://acme-ml-datasets/titanic/test/test.csv",
    }
    (entry,) = data["entry_points"]
    assert entry["path"] == "train.py"
    assert entry["referenced_by"][0]["path"] == "launch.py"
    assert {read["name"] for read in entry["env_reads"]} == {
        "SM_MODEL_DIR",
        "SM_CHANNEL_TRAIN",
        "SM_CHANNEL_TEST",
    }
    assert {read["style"] for read in entry["env_reads"]} == {"argparse_default"}
    assert [save["kind"] for save in entry["model_saves"]] == ["joblib.dump"]
    # the training data, and input_fn's CSV request body
    assert [read["kind"] for read in entry["data_reads"]] == ["pandas.read_csv"] * 2
    assert [handler["kind"] for handler in entry["inference_handlers"]] == [
        "model_fn",
        "input_fn",
        "predict_fn",
        "output_fn",
    ]
    assert entry["requirements"] == "requirements.txt"
    assert entry["has_main_guard"] is True
    assert not [f for f in data["findings"] if f["severity"] == "error"]


def test_mnist_scan() -> None:
    scan = scan_project(EXAMPLES / "mnist-tensorflow")
    (launcher,) = scan.launchers
    assert launcher.location.path == "launch.ipynb"
    assert launcher.notebook_cell == 3
    assert launcher.framework == "tensorflow"
    assert launcher.entry_point == "task.py"
    assert launcher.instance_type == "ml.p3.2xlarge"
    assert launcher.hyperparameters == {"epochs": 5, "batch-size": 64, "learning-rate": 0.001}
    assert {channel.name: channel.uri for channel in launcher.channels} == {
        "train": "s3://acme-ml-datasets/mnist/train",
        "eval": "s3://acme-ml-datasets/mnist/eval",
    }
    (entry,) = scan.entry_points
    assert entry.path == "task.py"
    assert [ref.detail for ref in entry.sibling_imports] == ["import model"]
    assert entry.sibling_imports[0].location.line == 14
    assert "tensorflow.data.TFRecordDataset" in {ref.kind for ref in entry.data_reads}
    assert [ref.kind for ref in entry.model_saves] == ["tensorflow.saved_model.save"]
    assert entry.inference_handlers == []  # input_fn here is the training input pipeline
    codes = {finding.code: finding for finding in scan.findings}
    assert codes["sibling-import"].location.line == 14
    model_dir = codes["tf-model-dir-s3"]
    assert str(model_dir.location) == "task.py:26:5"
    assert "S3 URI" in model_dir.message


def test_reported_locations_point_at_the_code() -> None:
    """Locations come from a text search (not PositionProvider): check they land on the code."""
    for example in ("titanic-sklearn", "mnist-tensorflow"):
        root = EXAMPLES / example
        scan = scan_project(root)
        for entry in scan.entry_points:
            lines = (root / entry.path).read_text(encoding="utf-8").splitlines()

            def at(location, lines=lines) -> str:  # type: ignore[no-untyped-def]
                return lines[location.line - 1][location.column - 1 :]

            for ref in entry.model_saves + entry.data_reads + entry.sibling_imports:
                assert at(ref.location).startswith(ref.detail.split("(")[0]), ref
            for read in entry.env_reads:
                assert at(read.location).startswith("os.environ"), read
            for argument in entry.arguments:
                assert at(argument.location).startswith("parser.add_argument"), argument
            for handler in entry.inference_handlers:
                assert at(handler.location).startswith(f"def {handler.kind}"), handler
