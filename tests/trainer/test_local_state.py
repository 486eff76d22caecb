"""Issue 13 item 1: a local job records what reattaching needs, never the environment, and
``.liftshift/`` is private and git-ignored from the moment it exists."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.trainer import service
from liftshift.trainer.jobs import JobLogLine, JobState

pytestmark = pytest.mark.slow

SENTINEL = "SENTINEL-job-env-4f1c"


def test_job_record_holds_no_environment_and_state_dir_is_private(
    toy_project: Path, toy_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SENTINEL)
    monkeypatch.setenv("WANDB_API_KEY", SENTINEL)
    monkeypatch.setenv("CLOUD_ML_INHERITED_PROBE", "inherited")  # the toy trainer prints CLOUD_ML*
    events: list[object] = []
    result = service.train(load_plan(toy_project), toy_settings, reporter=events.append)
    assert result.status is not None and result.status.state == JobState.SUCCEEDED

    # the trainer still got the environment (inherited at spawn, not read back from disk)
    env_line = next(e.text for e in events if isinstance(e, JobLogLine) and e.text[:4] == "env ")
    assert json.loads(env_line[4:])["CLOUD_ML_INHERITED_PROBE"] == "inherited"

    state = toy_project / ".liftshift"
    record = json.loads((state / "jobs" / result.handle.job_id / "job.json").read_text())
    assert "env" not in record
    for path in state.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert SENTINEL.encode() not in path.read_bytes(), path

    assert (state / ".gitignore").read_text() == "*\n"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    job_dir = state / "jobs" / result.handle.job_id
    assert stat.S_IMODE(job_dir.stat().st_mode) == 0o700
    for name in ("job.json", "output.log", "supervisor.log", "supervisor.pid"):
        assert stat.S_IMODE((job_dir / name).stat().st_mode) == 0o600, name
    for path in state.rglob("*"):  # records, logs, local buckets, trainer output, registry
        if "venvs" in path.parts or path.is_symlink():
            continue
        wanted = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == wanted, path

    subprocess.run(["git", "init", "-q", str(toy_project)], check=True)
    status = subprocess.run(
        ["git", "-C", str(toy_project), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ".liftshift" not in status


def test_old_job_records_with_an_env_field_still_load(tmp_path: Path) -> None:
    from liftshift.trainer.backends.local import LocalJobRecord

    path = tmp_path / "job.json"
    path.write_text(
        json.dumps(
            {
                "job_id": "j",
                "display_name": "d",
                "state": "JOB_STATE_SUCCEEDED",
                "command": ["python"],
                "cwd": ".",
                "env": {"AWS_SECRET_ACCESS_KEY": "x"},
                "model_dir": "m",
                "base_output_dir": "gs://b/x",
                "created": 1.0,
            }
        )
    )
    assert LocalJobRecord.load(path).job_id == "j"
