"""Both example projects, migrated by `liftshift migrate --apply`, train on the local target
and become model versions whose artifacts Vertex prediction containers accept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli

EXAMPLES = Path(__file__).parents[2] / "examples"

pytestmark = pytest.mark.slow


def _migrated(name: str, tmp_path: Path) -> Path:
    project = tmp_path / name
    shutil.copytree(EXAMPLES / name, project, ignore=shutil.ignore_patterns(".liftshift"))
    runner = CliRunner()
    for args in (["plan", str(project)], ["migrate", str(project), "--apply", "--force"]):
        result = runner.invoke(cli, args)
        assert result.exit_code in (0, 1), result.output  # 1: some changes need attention
    assert (project / "trainer" / "__init__.py").is_file()
    return project


def _train(project: Path, *flags: str) -> dict:
    result = CliRunner().invoke(cli, ["train", str(project), "--json", *flags])
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.rindex("\n{") :])


def test_titanic_sklearn_versions_1_then_2(tmp_path: Path) -> None:
    project = _migrated("titanic-sklearn", tmp_path)
    first = _train(project)
    assert first["state"] == "SUCCEEDED"
    version = first["model_version"]
    assert (version["version_id"], version["aliases"]) == ("1", ["default"])
    assert (Path(version["artifact_uri"]) / "model.joblib").is_file()
    # the handlers serve it (model.serving = "cpr"), from an image built from the package
    assert version["predictor"] == "trainer.predictor:HandlersPredictor"
    assert "titanic-sklearn-serving:" in version["serving_container"]
    instances = [
        {"Pclass": 1, "Sex": "female", "Age": 30, "SibSp": 0, "Parch": 0, "Fare": 80.0,
         "Embarked": "C"},
        {"Pclass": 3, "Sex": "male", "Age": 25, "SibSp": 1, "Parch": 0, "Fare": 8.0,
         "Embarked": "S"},
    ]  # fmt: skip
    (tmp_path / "instances.json").write_text(json.dumps(instances))
    second = _train(
        project,
        "-H",
        "n-estimators=20",
        "--deploy",
        "--instances",
        str(tmp_path / "instances.json"),
    )
    assert second["model_version"]["version_id"] == "2"
    assert second["model_version"]["aliases"] == []
    predictions = second["prediction"]["predictions"]
    assert [p["label"] for p in predictions] == ["survived", "died"]
    assert all(0.0 <= p["probability"] <= 1.0 for p in predictions)
    assert second["prediction"]["endpoint"] == second["model_version"]["artifact_uri"]


def test_mnist_tensorflow_exports_a_saved_model(tmp_path: Path) -> None:
    project = _migrated("mnist-tensorflow", tmp_path)
    result = _train(project, "-H", "epochs=1")
    assert result["state"] == "SUCCEEDED"
    artifact = Path(result["model_version"]["artifact_uri"])
    assert (artifact / "saved_model.pb").is_file()  # what tf2-cpu prediction images load
    assert "tf2-cpu" in result["model_version"]["serving_container"]
