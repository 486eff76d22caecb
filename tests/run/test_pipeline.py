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
    assert (project / "trainer" / "predictor.py").is_file()  # LS007 serves the handlers
    assert not any("LS005" in line for line in summary["attention"])

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

    # The version is served by the generated predictor (model.serving = "cpr"), and answers
    # exactly what the original SageMaker handler chain answers on the same artifact.
    served = liftshift("models", "predict", "titanic-sklearn", "--json", cwd=project)
    assert served.returncode == 0, served.stderr
    answer = json.loads(served.stdout)
    assert answer["version"] == "1"
    expected = sagemaker_handler_chain(
        EXAMPLES / "titanic-sklearn", Path(answer["endpoint"]), project / "sample_instances.json"
    )
    assert answer["predictions"] == expected
    assert [p["label"] for p in expected] == ["died", "survived"]
    assert f"predicted 2: {json.dumps(expected)}" in steps["deploy"]["summary"]
    (version,) = json.loads(
        liftshift("models", "versions", "titanic-sklearn", "--json", cwd=project).stdout
    )
    assert version["predictor"] == "trainer.predictor:HandlersPredictor"
    assert "-serving:" in version["serving_container"]


def sagemaker_handler_chain(source: Path, model_dir: Path, instances_file: Path) -> list:
    """What SageMaker's scikit-learn container answered: the original (unmigrated) script's
    output_fn(predict_fn(input_fn(body), model_fn(model_dir))), for a JSON request body."""
    import runpy

    handlers = runpy.run_path(str(source / "train.py"))  # not __main__: no training
    body = json.dumps(json.loads(instances_file.read_text(encoding="utf-8"))["instances"])
    model = handlers["model_fn"](str(model_dir))
    data = handlers["input_fn"](body, "application/json")
    return json.loads(
        handlers["output_fn"](handlers["predict_fn"](data, model), "application/json")
    )


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

    # The point is the reattach: verify (two more trainings; the pristine-copy tests prove it
    # after a run's training) is left out of both runs.
    options = RunOptions(verify=False)
    first = Pipeline(
        project, Settings.from_env(project), options, reporter=stop_when_running, cancel=cancel
    ).run()
    assert outcomes(first)["train"] == "cancelled"
    job_id = RunState.load(Settings.from_env(project)).job_id
    assert job_id

    second = Pipeline(project, Settings.from_env(project), options).run()
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
    if "PYTHONPATH" in os.environ:  # a worktree run tests its own code, not the installed one
        clean["PYTHONPATH"] = os.environ["PYTHONPATH"]
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
    # the job runs as the mapped service account, and the requests that set it up are shown
    account = "titanic-sklearn-trainer@<project>.iam.gserviceaccount.com"
    assert requests["create_custom_job"]["custom_job"]["job_spec"]["service_account"] == account
    iam = requests["iam"]
    assert iam["service_account"] == account
    assert [r["method"] for r in iam["requests"]] == [
        "projects.serviceAccounts.create",
        "buckets.setIamPolicy",
        "projects.setIamPolicy",
    ]
    # no launcher named: the launcher's two grants are listed as skipped, not hidden
    assert [line.split(" on ")[0] for line in iam["skipped"]] == [
        "roles/aiplatform.user",
        "roles/iam.serviceAccountUser",
    ]
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
def test_ctrl_c_while_training_says_the_job_still_runs(tmp_path: Path) -> None:
    """A real SIGINT to `liftshift run` while the job runs: the friendly line and the summary,
    exit 1, no internal error; the job keeps running (then this test cancels it)."""
    import re
    import signal
    import time

    project = copy_example("titanic-sklearn", tmp_path)
    script = project / "train.py"
    script.write_text(
        script.read_text().replace(
            '    print("training RandomForest',
            '    __import__("time").sleep(120)\n    print("training RandomForest',
            1,
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "liftshift", "run", str(project), "--yes"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "state: RUNNING" in line:
            process.send_signal(signal.SIGINT)
            break
    rest, _ = process.communicate(timeout=120)
    output = "".join(lines) + rest
    job = re.search(r"started local job (\S+)", output)
    if job:
        liftshift("jobs", "cancel", job.group(1), "--project", str(project), cwd=tmp_path)
    assert "internal error" not in output, output
    assert process.returncode == 1, output
    assert "still running; rerun to reattach" in output


def test_piped_output_is_never_wrapped_or_padded(tmp_path: Path) -> None:
    """In a pipe (as in CI logs, `| grep`), paths and URIs stay whole on their line and no
    line is padded; `--json` is exactly what json.dumps writes."""
    project = copy_example("titanic-sklearn", tmp_path)
    human = liftshift("run", str(project), "--dry-run", cwd=tmp_path)
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    assert not [line for line in lines if line != line.rstrip()], "padded lines"
    long_line = (  # 117 characters: wrapped at 80 before
        '"description": "liftshift sync s3://acme-ml-datasets/titanic/train/train.csv -> '
        'gs://acme-ml-datasets/titanic/train/train.csv",'
    )
    assert any(line.strip() == long_line for line in lines), human.stdout
    as_json = liftshift("run", str(project), "--dry-run", "--json", cwd=tmp_path)
    assert as_json.stdout == json.dumps(json.loads(as_json.stdout), indent=2) + "\n"


@pytest.mark.slow
def test_demo_inside_a_git_work_tree_goes_to_home_and_says_so(tmp_path: Path) -> None:
    """Run from a checkout (a git work tree), the README's first command must not leave
    liftshift-demo/ among that repository's untracked files unnoticed."""
    repo, home = tmp_path / "checkout", tmp_path / "home"
    repo.mkdir()
    home.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    env = {**os.environ, "HOME": str(home)}
    result = liftshift("demo", "--no-tui", cwd=repo, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"the demo goes to {home / 'liftshift-demo'}" in result.stdout
    assert (home / "liftshift-demo" / "titanic-sklearn" / "trainer" / "train.py").is_file()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""


@pytest.mark.slow
def test_run_after_migrating_without_saving_the_plan_trains(tmp_path: Path) -> None:
    """Issue 11 item 7: the app used to migrate with its unsaved plan; `run` then re-planned
    the migrated project with an empty entry point and every later step failed."""
    from liftshift.migrator.apply import apply_changeset
    from liftshift.migrator.migrate import migrate_project
    from liftshift.migrator.planner import propose
    from liftshift.scan import scan_project

    project = copy_example("titanic-sklearn", tmp_path)
    plan = propose(scan_project(project)).plan
    result = migrate_project(project, plan=plan, launchers=list(plan.code.launchers))
    apply_changeset(result.changeset, project, force=True)
    assert not (project / "liftshift.toml").exists()

    run = liftshift("run", str(project), "--yes", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    steps = {step["step"]: step for step in summary["steps"]}
    planned = steps["plan"]["summary"]
    assert planned == "wrote liftshift.toml: trainer/train.py, channels train, test"
    assert steps["migrate"]["outcome"] == "nothing to do"
    assert summary["model"]["version"] == "1"


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
