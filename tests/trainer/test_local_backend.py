"""The local backend runs the built package like Vertex would, and the local registry numbers
versions like Vertex's."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.trainer import service
from liftshift.trainer.backends.local import EmptyChannel, LocalBackend, jobs_dir
from liftshift.trainer.jobs import JobLogLine, JobState, JobStateChanged, TrainOverrides
from liftshift.trainer.registry.local import LocalRegistry

pytestmark = pytest.mark.slow


def _lines(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, JobLogLine)]


def test_trains_registers_and_reuses_cache(toy_project: Path, toy_settings: Settings) -> None:
    events: list[object] = []
    plan = load_plan(toy_project)
    result = service.train(plan, toy_settings, reporter=events.append)
    assert result.status is not None and result.status.state == JobState.SUCCEEDED, result.status
    states = [e.state for e in events if isinstance(e, JobStateChanged)]
    assert states[-1] == JobState.SUCCEEDED
    lines = _lines(events)
    argv = json.loads(next(line for line in lines if line.startswith("argv "))[5:])
    root = toy_settings.local_storage_root
    job_folder = result.spec.base_output_dir.rsplit("/", 1)[1]
    assert job_folder.startswith(result.spec.job_name + "-")  # its own, even in the same second
    model_dir = root / "gcs/toy-staging/liftshift/jobs" / job_folder / "model"
    assert argv == [
        "--alpha",
        "2",
        "--mode",
        "ok",
        "--train",
        str(root / "gcs/toy-data/train"),
        "--job-dir",
        str(model_dir),
    ]
    env = json.loads(next(line for line in lines if line.startswith("env "))[4:])
    assert env["AIP_MODEL_DIR"] == str(model_dir)
    assert env["CLOUD_ML_JOB_ID"] == result.handle.job_id
    assert json.loads(env["TF_CONFIG"])["task"] == {"type": "chief", "index": 0}
    assert not any(key.startswith("SM_") for key in env)
    # temporary files stay in the job, as in its container, not in this machine's /tmp
    assert env["TMPDIR"] == str(jobs_dir(toy_settings) / result.handle.job_id / "tmp")
    assert (root / "gcs/toy-data/train/numbers.txt").is_file()  # seeded from sample_data
    assert (root / "gcs/toy-staging/liftshift/packages" / result.package.content_hash).is_dir()
    assert result.model_version is not None and result.model_version.version_id == "1"
    assert result.model_version.aliases == ("default",)

    again = service.train(plan, toy_settings)
    assert again.package.reused and again.package.content_hash == result.package.content_hash
    assert again.model_version is not None and again.model_version.version_id == "2"
    versions = LocalRegistry(toy_settings).list_versions("toy-model")
    assert [(v.version_id, v.aliases) for v in versions] == [("1", ("default",)), ("2", ())]
    assert Path(versions[1].artifact_uri, "model.pkl").is_file()
    assert [s.state for s in LocalBackend(toy_settings).list_jobs()] == [JobState.SUCCEEDED] * 2


def test_crash_fails_with_traceback_and_no_version(
    toy_project: Path, toy_settings: Settings
) -> None:
    plan = load_plan(toy_project)
    overrides = TrainOverrides(hyperparameters={"mode": "crash"})
    result = service.train(plan, toy_settings, overrides)
    assert result.status is not None and result.status.state == JobState.FAILED
    assert "Traceback" in result.status.error
    assert "crashed on purpose" in result.status.error
    assert result.model_version is None
    assert not (toy_settings.state_dir / "models").exists()


def test_cancel_stops_the_process_tree(toy_project: Path, toy_settings: Settings) -> None:
    plan = load_plan(toy_project)
    overrides = TrainOverrides(hyperparameters={"mode": "sleep"})
    result = service.start_training(plan, toy_settings, overrides)
    backend = LocalBackend(toy_settings)
    deadline = time.monotonic() + 20
    log = backend.log_path(result.handle.job_id)
    while not log.is_file() or "sleeping" not in log.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    backend.cancel(result.handle.job_id)
    final = service.finish_training(result, toy_settings)
    assert final.status is not None and final.status.state == JobState.CANCELLED
    assert final.model_version is None


def test_vanished_supervisor_means_failed(toy_settings: Settings) -> None:
    import subprocess
    import sys

    from liftshift.trainer.backends.local import PID_FILE, RECORD, LocalJobRecord, jobs_dir

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job_dir = jobs_dir(toy_settings) / "ghost"
    job_dir.mkdir(parents=True)
    LocalJobRecord(
        job_id="ghost", display_name="ghost", state=JobState.RUNNING.value, command=[],
        cwd="", model_dir="", base_output_dir="", created=time.time(),
    ).save(job_dir / RECORD)  # fmt: skip
    (job_dir / PID_FILE).write_text(str(dead.pid))
    (job_dir / "supervisor.log").write_text("ModuleNotFoundError: No module named 'liftshift'\n")
    status = LocalBackend(toy_settings).status("ghost")
    assert status.state == JobState.FAILED
    assert "disappeared" in status.error and "ModuleNotFoundError" in status.error


@pytest.mark.slow
def test_missing_channel_data_is_said_before_the_run(
    toy_project: Path, toy_settings: Settings
) -> None:
    from liftshift.foundation.plan import save_plan

    plan = load_plan(toy_project)
    plan.data.channels[0].sample_data = ""
    save_plan(plan, toy_project, keep_existing=False)
    (toy_settings.local_storage_root / "gcs" / "toy-data" / "training").mkdir(parents=True)
    (toy_settings.local_storage_root / "gcs" / "toy-data" / "training" / "n.txt").write_text("1")
    with pytest.raises(EmptyChannel) as raised:  # before any job starts
        service.train(load_plan(toy_project), toy_settings)
    assert "channel data gs://toy-data/train is empty on the local target" in str(raised.value)
    assert "nearest existing prefix: gs://toy-data/training/" in str(raised.value)
    assert not jobs_dir(toy_settings).is_dir() or not any(jobs_dir(toy_settings).iterdir())


@pytest.mark.slow
def test_a_succeeded_job_without_a_model_fails_naming_where_files_went(
    toy_project: Path, toy_settings: Settings
) -> None:
    overrides = TrainOverrides(hyperparameters={"mode": "elsewhere"})
    result = service.train(load_plan(toy_project), toy_settings, overrides)
    assert result.status is not None and result.status.state == JobState.FAILED
    assert result.model_version is None
    error = result.status.error
    assert "succeeded but wrote no model file to" in error
    assert f"it wrote work/saved/model.pkl (in .liftshift/jobs/{result.handle.job_id})" in error


@pytest.mark.slow
def test_a_missing_module_is_one_line_naming_the_package(
    toy_project: Path, toy_settings: Settings
) -> None:
    overrides = TrainOverrides(hyperparameters={"mode": "missing"})
    result = service.train(load_plan(toy_project), toy_settings, overrides)
    assert result.status is not None and result.status.state == JobState.FAILED
    assert result.status.headline == (
        "ModuleNotFoundError: No module named 'liftshift_no_such_module' (the trainer package "
        "does not install it: add liftshift_no_such_module to requirements.txt, or to "
        "install_requires in setup.py)"
    )
