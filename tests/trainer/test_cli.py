"""`liftshift train/jobs/models/tiers` end to end on the toy project (local target)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import load_plan, save_plan


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.slow
def test_train_jobs_and_models(toy_project: Path) -> None:
    code, out = run("train", str(toy_project))
    assert code == 0, out
    assert "SUCCEEDED" in out and "version 1 (aliases: default)" in out
    assert "│ trained {'mean': 5.0}" in out
    code, out = run("train", str(toy_project), "-H", "mode=crash")
    assert code == 1, out
    assert "No model version was created." in out
    # the summary after the log: the exception line and where the whole traceback is
    summary = out[out.rindex("FAILED") :].splitlines()
    assert summary[1] == "RuntimeError: the toy trainer crashed on purpose", out
    assert re.fullmatch(r"full log: liftshift jobs logs \S+ --project \S+", summary[2]), out

    code, out = run("train", str(toy_project), "-H", "mode=no-model")
    assert code == 1, out  # the user's job failed (it wrote no model): 1, never 2
    assert "succeeded but wrote no model file" in out

    code, out = run("jobs", "list", "--project", str(toy_project), "--json")
    jobs = json.loads(out)
    assert [j["state"] for j in jobs] == [
        "JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_SUCCEEDED"
    ]  # fmt: skip
    failed = jobs[1]["job_id"]
    code, out = run("jobs", "status", failed, "--project", str(toy_project))
    assert code == 1 and "FAILED" in out
    code, out = run("jobs", "logs", jobs[0]["job_id"], "--project", str(toy_project))
    assert code == 0 and "trained" in out
    code, out = run("jobs", "logs", "nope", "--project", str(toy_project))
    assert code == 2 and "no local job 'nope'" in out

    code, out = run("models", "versions", "toy-model", "--project", str(toy_project), "--json")
    assert [v["version_id"] for v in json.loads(out)] == ["1"]
    code, out = run("models", "versions", "other", "--project", str(toy_project))
    assert code == 2 and "no model named 'other'" in out


def test_dry_run_basic_gpu_sends_t4(toy_project: Path) -> None:
    code, out = run(
        "train", str(toy_project), "--target", "gcp", "--scale-tier", "BASIC_GPU",
        "--dry-run", "--json",
    )  # fmt: skip
    assert code == 0, out
    requests = json.loads(out)
    (pool,) = requests["create_custom_job"]["custom_job"]["job_spec"]["worker_pool_specs"]
    assert pool["machine_spec"] == {
        "machine_type": "n1-standard-8",
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 1,
    }
    assert pool["python_package_spec"]["python_module"] == "trainer.task"
    assert pool["python_package_spec"]["args"][-2] == "--job-dir"
    assert requests["upload_model"]["model"]["artifact_uri"].endswith("/model")
    assert not (toy_project / ".liftshift" / "jobs").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--scale-tier", "BASIC_GUP"], "did you mean BASIC_GPU"),
        (["--machine-type", "n2-standard-8", "--accelerator", "NVIDIA_TESLA_T4:1"], "only runs"),
        (["--accelerator", "NVIDIA_L4:1"], "--accelerator needs --machine-type"),
        (["--scale-tier", "BASIC", "--machine-type", "n1-standard-4"], "not both"),
        (["--deploy"], "--deploy needs instances to send"),
    ],
)
def test_bad_machine_input_is_one_line_exit_2(
    toy_project: Path, flags: list[str], message: str
) -> None:
    code, out = run("train", str(toy_project), "--dry-run", *flags)
    assert code == 2
    assert message in out


def test_gcp_without_staging_bucket_is_refused(toy_project: Path) -> None:
    plan = load_plan(toy_project)
    plan.training.staging_bucket = ""
    save_plan(plan, toy_project, keep_existing=False)
    code, out = run("train", str(toy_project), "--target", "gcp", "--dry-run")
    assert code == 2 and "no staging bucket" in out


def test_no_plan_is_refused(tmp_path: Path) -> None:
    code, out = run("train", str(tmp_path))
    assert code == 2 and "no plan yet" in out


def test_tiers_json_lists_presets_and_mapping() -> None:
    code, out = run("tiers", "--json")
    data = json.loads(out)
    assert data["tiers"]["BASIC_GPU"]["pools"][0]["accelerator_type"] == "NVIDIA_TESLA_T4"
    assert data["instance_types"]["ml.p3.2xlarge"]["accelerator_type"] == "NVIDIA_TESLA_V100"
    assert "ml.trn1" in data["unmappable"]
    code, out = run("tiers")
    assert code == 0 and "PREMIUM_1" in out


def _read_until(stream: Any, needle: str, timeout: float = 30.0) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        assert time.monotonic() < deadline, seen
        line = stream.readline()
        assert line, seen
        seen += line
    return seen


@pytest.mark.slow
def test_ctrl_c_detaches_then_reattach_and_cancel(toy_project: Path) -> None:
    command = [sys.executable, "-m", "liftshift"]
    train = subprocess.Popen(
        [*command, "train", str(toy_project), "-H", "mode=sleep"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = _read_until(train.stdout, "sleeping")
    job_id = re.search(r"^job (\S+)", seen, re.M).group(1)  # type: ignore[union-attr]
    train.send_signal(signal.SIGINT)
    rest, _ = train.communicate(timeout=30)
    assert train.returncode == 0, rest
    assert f"Job {job_id} keeps running" in rest
    assert f"liftshift jobs cancel {job_id}" in rest

    follow = subprocess.Popen(
        [*command, "jobs", "logs", job_id, "--follow", "--project", str(toy_project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _read_until(follow.stdout, "sleeping")
    code, out = run("jobs", "cancel", job_id, "--project", str(toy_project))
    assert code == 0 and ("CANCELLING" in out or "CANCELLED" in out)
    out, _ = follow.communicate(timeout=30)
    assert follow.returncode == 1
    assert "CANCELLED" in out


def _in_terminal(args: list[str], columns: int, cwd: Path) -> str:
    """Run ``liftshift ARGS`` on a pseudo-terminal ``columns`` wide; its output, no colours."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "24", "TERM": "xterm", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "liftshift", *args],
        stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    process.wait(timeout=60)
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text)


@pytest.mark.slow
def test_jobs_list_keeps_the_job_id_whole_under_its_header(toy_project: Path) -> None:
    code, out = run("train", str(toy_project))
    assert code == 0, out
    (job,) = json.loads(run("jobs", "list", "--project", str(toy_project), "--json")[1])
    job_id = job["job_id"]
    for columns in (80, 50):  # at 50 the dates give way, never the id
        screen = _in_terminal(["jobs", "list", "--project", str(toy_project)], columns, toy_project)
        lines = screen.splitlines()
        header = next(line for line in lines if "state" in line)
        row = next(line for line in lines if job_id in line)  # whole, on one line
        assert header.index("job") < header.index("state")
        assert row.index(job_id) <= header.index("job") < row.index(job_id) + len(job_id)
        assert row.index("SUCCEEDED") >= header.index("state") - 1
    piped = subprocess.run(
        [sys.executable, "-m", "liftshift", "jobs", "list", "--project", str(toy_project)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert any(job_id in line for line in piped.splitlines())
    assert not any(line.endswith(" ") for line in piped.splitlines())
