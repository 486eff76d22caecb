"""`liftshift verify` end to end on the examples and on deliberately broken migrations."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
PROJECTS = Path(__file__).parent / "projects"

pytestmark = pytest.mark.slow


def _migrated(source: Path, tmp_path: Path, *migrate_flags: str) -> Path:
    project = tmp_path / source.name
    shutil.copytree(source, project, ignore=shutil.ignore_patterns(".liftshift"))
    runner = CliRunner()
    for args in (
        ["plan", str(project)],
        ["migrate", str(project), "--apply", "--force", *migrate_flags],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code in (0, 1), result.output
    return project


def _verify(project: Path, expected_exit: int) -> dict:
    result = CliRunner().invoke(cli, ["verify", str(project), "--json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # the traceback, not just its type
    assert result.exit_code == expected_exit, result.output
    return json.loads(result.stdout[result.stdout.index("{") :])


def test_titanic_verifies_with_identical_model_and_predictions(tmp_path: Path) -> None:
    project = _migrated(EXAMPLES / "titanic-sklearn", tmp_path)
    outside = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if ".liftshift" not in p.parts}
    report = _verify(project, 0)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if ".liftshift" not in p.parts}
    assert after == outside, "verify wrote outside the project's .liftshift/"
    assert report["verdict"] == "match"
    assert report["original"]["exit_code"] == report["migrated"]["exit_code"] == 0
    assert report["original"]["channels_read"] == ["test", "train"]
    assert report["artifacts"]["identical"] == ["model.joblib"]
    metrics = {row["name"]: row for row in report["metrics"]["rows"]}
    assert metrics["test accuracy"]["ok"] and metrics["test accuracy"]["original"] == 0.75
    predictions = report["predictions"]
    assert predictions["max_abs_diff"] == 0 and predictions["labels_agree"] == 2
    assert predictions["instances_from"] == "sample_instances.json"
    # everything verify wrote is inside the project's .liftshift/
    assert Path(report["work_dir"]).is_relative_to(project / ".liftshift")


def test_mnist_tensorflow_verifies(tmp_path: Path) -> None:
    project = _migrated(EXAMPLES / "mnist-tensorflow", tmp_path)
    plan = project / "liftshift.toml"
    plan.write_text(re.sub(r"(?m)^epochs = \d+", "epochs = 1", plan.read_text()))
    report = _verify(project, 0)
    assert report["verdict"] == "match"
    assert "000000001/" in report["artifacts"]["note"]  # flattened for Vertex, same files
    assert report["predictions"]["max_abs_diff"] == 0
    assert "synthetic" in report["predictions"]["instances_from"]
    # fingerprint.pb's random uuid is known, not a difference: no second run of the original
    assert report["artifacts"]["random_by_design"] == ["fingerprint.pb"]
    assert not report["artifacts"]["differing"] and report["stability"] is None


def test_a_migration_without_the_job_dir_rule_fails_with_the_reason(tmp_path: Path) -> None:
    project = _migrated(EXAMPLES / "titanic-sklearn", tmp_path, "--skip", "LS002")
    report = _verify(project, 1)
    assert report["verdict"] == "differ"
    assert report["migrated"]["exit_code"] != 0
    assert "flag --job-dir is not parsed by trainer/train.py" in report["diagnosis"]


def test_a_model_saved_outside_aip_model_dir_is_found(tmp_path: Path) -> None:
    project = _migrated(EXAMPLES / "titanic-sklearn", tmp_path)
    trainer = project / "trainer" / "train.py"
    text = trainer.read_text()
    text = text.replace('os.path.join(args.job_dir, "model.joblib")', '"saved/model.joblib"')
    trainer.write_text(text.replace("os.makedirs(args.job_dir", 'os.makedirs("saved"'))
    report = _verify(project, 1)
    assert report["verdict"] == "differ"
    assert report["reason"] == "the migrated trainer wrote no model file"
    assert any(
        line.startswith(
            "the migrated trainer wrote no model file under AIP_MODEL_DIR; it wrote "
            "work/saved/model.joblib"
        )
        for line in report["diagnosis"]
    ), report["diagnosis"]


def test_hard_coded_opt_ml_paths_verify_without_touching_opt_ml(tmp_path: Path) -> None:
    existed = Path("/opt/ml").exists()
    project = _migrated(PROJECTS / "optml-sklearn", tmp_path)
    report = _verify(project, 0)
    assert report["verdict"] == "match"
    assert any("/opt/ml literals redirected: train.py" in note for note in report["notes"])
    # the one-letter hyperparameter: -C 0.5 on both sides (not --C, which parse_known_args drops)
    metrics = {row["name"]: row for row in report["metrics"]["rows"]}
    assert (metrics["C"]["original"], metrics["C"]["migrated"]) == (0.5, 0.5)
    written = Path(report["work_dir"]) / "opt-ml" / "output" / "data" / "metrics.json"
    assert written.is_file()
    assert Path("/opt/ml").exists() == existed


def test_an_empty_channel_is_not_verified(tmp_path: Path) -> None:
    project = _migrated(PROJECTS / "optml-sklearn", tmp_path)
    shutil.rmtree(project / "data")
    report = _verify(project, 1)
    assert report["verdict"] == "not verified"
    assert report["reason"].startswith("channel data gs://acme-verify/optml/train is empty")


def test_a_trainer_that_differs_from_itself_is_named_and_judged_on_what_is_stable(
    tmp_path: Path,
) -> None:
    project = _migrated(PROJECTS / "noisy-sklearn", tmp_path)
    report = _verify(project, 0)
    assert report["verdict"] == "match", report
    stability = report["stability"]
    assert stability["deterministic"] is False
    assert stability["varying_artifacts"] == ["run-info.json"]
    assert stability["varying_metrics"] == ["nonce"]
    assert stability["varying_predictions"] is False
    assert report["artifacts"]["varying"] == ["run-info.json"]
    assert report["artifacts"]["identical"] == ["model.joblib"]  # the model itself is stable
    metrics = {row["name"]: row for row in report["metrics"]["rows"]}
    assert metrics["nonce"]["stable"] is False and metrics["train accuracy"]["ok"]
    assert any(
        note.startswith(
            "the original is not deterministic even with seeding: two runs of it differ in "
            "model file(s) run-info.json; metric(s) nonce; parity is judged on what is stable"
        )
        for note in report["notes"]
    ), report["notes"]
    assert (Path(report["work_dir"]) / "original-again.log").is_file()


def test_a_difference_the_original_reproduces_is_the_migrations(tmp_path: Path) -> None:
    project = _migrated(PROJECTS / "optml-sklearn", tmp_path)
    trainer = project / "trainer" / "train.py"
    text = trainer.read_text()
    fitted = "LogisticRegression(C=args.C)"
    assert fitted in text
    trainer.write_text(text.replace(fitted, "LogisticRegression(C=1e-4)"))
    report = _verify(project, 1)
    assert report["verdict"] == "differ"
    assert "model bytes differ though the original reproduces its own" in report["reason"]
    assert report["stability"]["deterministic"] is True
    assert any(line.startswith("model.joblib: a second run of the original wrote the same bytes")
               for line in report["diagnosis"]), report["diagnosis"]  # fmt: skip
    assert any(
        "a second run of the original reproduced its model files and metrics and predictions "
        "exactly: the difference comes from the migration" in note
        for note in report["notes"]
    ), report["notes"]


def test_without_sample_instances_the_sample_data_rows_are_predicted(tmp_path: Path) -> None:
    project = _migrated(PROJECTS / "optml-sklearn", tmp_path)
    (project / "sample_instances.json").unlink()
    report = _verify(project, 0)
    assert report["verdict"] == "match"
    predictions = report["predictions"]
    assert predictions["instances_from"] == (
        "the first 4 rows of train/train.csv (column 'label' dropped: the column train.py "
        "reads into its labels)"
    )
    assert predictions["instances"] == 4 and predictions["labels_agree"] == 4
