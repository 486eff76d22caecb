"""`liftshift run` end to end on the local target: pristine copy → model version, reruns that
find nothing to do, and runs interrupted during sync and during training that resume."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.run.pipeline import Pipeline, RunOptions, RunState, StepFinished, StepStarted
from liftshift.trainer.jobs import JobState, JobStateChanged

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def copy_example(name: str, tmp_path: Path) -> Path:
    project = tmp_path / name
    shutil.copytree(EXAMPLES / name, project, ignore=shutil.ignore_patterns(".liftshift"))
    return project


def liftshift(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "liftshift", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def outcomes(summary) -> dict[str, str]:
    return {step.step: step.outcome for step in summary.steps}


@pytest.mark.slow
def test_run_from_pristine_copy_to_version_1_then_nothing_to_do(tmp_path: Path) -> None:
    project = copy_example("titanic-sklearn", tmp_path)

    first = liftshift("run", str(project), "--yes", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert [s["step"] for s in summary["steps"]] == [
        "plan", "migrate", "sync", "train", "verify", "register",
    ]  # fmt: skip
    assert [s["outcome"] for s in summary["steps"]] == ["done"] * 6
    assert summary["verify"]["verdict"] == "match"
    assert summary["verify"]["report"]["predictions"]["max_abs_diff"] == 0
    assert summary["model"]["version"] == "1"
    assert (project / "trainer" / "train.py").is_file()
    assert any("LS005" in line for line in summary["attention"])

    second = liftshift("run", str(project), "--yes", "--json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert [s["outcome"] for s in again["steps"]] == ["nothing to do"] * 6
    assert again["job"]["id"] == summary["job"]["id"]
    assert again["model"]["version"] == "1"

    deployed = liftshift("run", str(project), "--yes", "--deploy", "--json", cwd=tmp_path)
    assert deployed.returncode == 0, deployed.stderr
    steps = {step["step"]: step for step in json.loads(deployed.stdout)["steps"]}
    assert steps["deploy"]["outcome"] == "done"
    assert "version 1 predicted 2:" in steps["deploy"]["summary"]


@pytest.mark.slow
def test_tensorflow_example_runs_to_version_1(tmp_path: Path) -> None:
    project = copy_example("mnist-tensorflow", tmp_path)
    options = RunOptions(verify=False)  # tests/verify proves this example (it trains twice)
    summary = Pipeline(project, Settings.from_env(project), options).run()
    assert summary.ok, summary.steps
    assert outcomes(summary)["verify"] == "skipped"
    assert summary.state.version == "1"
    artifact = Path(summary.state.artifact_uri)
    assert (artifact / "saved_model.pb").is_file() or any(artifact.rglob("saved_model.pb"))


@pytest.mark.slow
def test_run_cancelled_during_sync_resumes(tmp_path: Path) -> None:
    project = copy_example("titanic-sklearn", tmp_path)
    cancel = threading.Event()

    def stop_at_sync(event: object) -> None:
        if isinstance(event, StepStarted) and event.step == "sync":
            cancel.set()

    first = Pipeline(
        project, Settings.from_env(project), reporter=stop_at_sync, cancel=cancel
    ).run()
    assert outcomes(first) == {"plan": "done", "migrate": "done", "sync": "cancelled"}
    assert not first.ok

    second = Pipeline(project, Settings.from_env(project)).run()
    assert outcomes(second) == {
        "plan": "nothing to do",
        "migrate": "nothing to do",
        "sync": "done",
        "train": "done",
        "verify": "done",
        "register": "done",
    }


@pytest.mark.slow
def test_run_interrupted_while_training_reattaches_instead_of_rerunning(tmp_path: Path) -> None:
    project = copy_example("titanic-sklearn", tmp_path)
    cancel = threading.Event()
    events: list[object] = []

    def stop_when_running(event: object) -> None:
        events.append(event)
        if isinstance(event, JobStateChanged) and event.state == JobState.RUNNING:
            cancel.set()

    first = Pipeline(
        project, Settings.from_env(project), reporter=stop_when_running, cancel=cancel
    ).run()
    assert outcomes(first)["train"] == "cancelled"
    job_id = RunState.load(Settings.from_env(project)).job_id
    assert job_id

    second = Pipeline(project, Settings.from_env(project)).run()
    assert second.ok, second.steps
    assert second.state.job_id == job_id, "the running job was reattached, not resubmitted"
    assert outcomes(second)["train"] in {"done", "nothing to do"}
    assert second.state.version == "1"


@pytest.mark.slow
def test_run_with_out_leaves_the_source_untouched(tmp_path: Path) -> None:
    source = copy_example("titanic-sklearn", tmp_path)
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    out = tmp_path / "migrated"
    summary = Pipeline(source, Settings.from_env(source), RunOptions(out=out)).run()
    assert summary.ok, summary.steps
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before
    assert not (source / ".liftshift").exists()
    assert (out / "trainer" / "train.py").is_file() and (out / "liftshift.toml").is_file()
    assert outcomes(summary)["verify"] == "done"  # the untouched source is the original
    assert summary.state.version == "1"

    again = Pipeline(source, Settings.from_env(source), RunOptions(out=out)).run()
    assert "liftshift run" in again.failed_step.summary


def test_run_on_a_folder_without_sagemaker_fails_at_plan(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text("print('hello')\n")
    result = liftshift("run", str(tmp_path), "--yes", cwd=tmp_path)
    assert result.returncode == 1
    assert "no SageMaker launcher or training script" in result.stdout
    assert not (tmp_path / "liftshift.toml").exists()


def test_run_without_yes_in_a_script_is_a_usage_error(tmp_path: Path) -> None:
    project = copy_example("titanic-sklearn", tmp_path)
    result = liftshift("run", str(project), cwd=tmp_path)
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert not (project / "trainer").exists()


def test_gcp_dry_run_needs_no_credentials_and_shows_the_exact_job(tmp_path: Path) -> None:
    project = copy_example("titanic-sklearn", tmp_path)
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home")}
    assert liftshift("plan", str(project), cwd=tmp_path, env=clean).returncode == 0
    plan = project / "liftshift.toml"
    text = plan.read_text()
    plan.write_text(
        "\n".join(
            'scale_tier = "BASIC_GPU"' if line.startswith("scale_tier =") else line
            for line in text.splitlines()
        )
        + "\n"
    )
    before = sorted(p.relative_to(project) for p in project.rglob("*"))

    result = liftshift(
        "run", str(project), "--target", "gcp", "--dry-run", "--json", cwd=tmp_path, env=clean
    )
    assert result.returncode == 0, result.stderr
    requests = json.loads(result.stdout)
    pools = requests["create_custom_job"]["custom_job"]["job_spec"]["worker_pool_specs"]
    assert pools == [
        {
            "machine_spec": {
                "machine_type": "n1-standard-8",
                "accelerator_type": "NVIDIA_TESLA_T4",
                "accelerator_count": 1,
            },
            "replica_count": 1,
            "python_package_spec": pools[0]["python_package_spec"],
        }
    ]
    package = pools[0]["python_package_spec"]
    assert package["python_module"] == "trainer.train"
    assert (
        package["args"][package["args"].index("--train") + 1]
        == "gs://acme-ml-datasets/titanic/train"
    )
    assert requests["upload_model"]["model"]["display_name"] == "titanic-sklearn"
    assert requests["sync"][0]["storage_transfer_job"]["transfer_spec"]["gcs_data_sink"]
    assert "aws_access_key" not in json.dumps(requests)
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before, "wrote nothing"


@pytest.mark.slow
def test_demo_without_tui_in_a_fresh_folder(tmp_path: Path) -> None:
    result = liftshift("demo", "--no-tui", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    project = tmp_path / "liftshift-demo" / "titanic-sklearn"
    assert (project / ".git").is_dir()
    assert (project / "trainer" / "train.py").is_file()
    assert RunState.load(Settings.from_env(project)).version == "1"
    diff = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    )
    assert "train.py" in diff.stdout, "the migration shows up in the demo's own git history"

    again = liftshift("demo", "--no-tui", cwd=tmp_path)
    assert again.returncode == 0
    assert "continuing the demo" in again.stdout


def test_step_events_bracket_every_step(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text("x = 1\n")
    events: list[object] = []
    Pipeline(tmp_path, Settings.from_env(tmp_path), reporter=events.append).run()
    assert isinstance(events[0], StepStarted)
    assert isinstance(events[-1], StepFinished) and events[-1].outcome == "failed"


@pytest.mark.slow
def test_a_migration_that_differs_stops_the_run_before_register(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from liftshift.cli import cli

    project = copy_example("titanic-sklearn", tmp_path)
    for args in (["plan", str(project)], ["migrate", str(project), "--apply", "--force"]):
        CliRunner().invoke(cli, args)
    trainer = project / "trainer" / "train.py"
    text = trainer.read_text()
    trainer.write_text(text.replace("{accuracy:.4f}", "{accuracy / 2:.4f}"))  # a drift
    summary = Pipeline(project, Settings.from_env(project)).run()
    assert outcomes(summary) == {
        "plan": "nothing to do",
        "migrate": "nothing to do",
        "sync": "done",
        "train": "done",
        "verify": "failed",
    }
    failed = summary.failed_step
    assert failed is not None
    assert failed.summary.startswith("the migrated trainer differs from the original: metric")
    assert any("verdict: DIFFER" in line for line in failed.details)
    assert summary.state.version == ""  # no model version of a trainer that differs
