"""``liftshift sync`` / ``liftshift local`` end to end, as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from liftshift.foundation.plan import ChannelPlan, DataPlan, Plan, save_plan
from liftshift.foundation.settings import Settings
from tests.fixtures.emulators import Emulator, free_port
from tests.sync.support import MiB, blob, fill_s3, gcs_keys, gcs_read


def liftshift(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liftshift", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def test_sync_copies_and_verifies_with_json_summary(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    data = {f"p/{i}.csv": blob(str(i), 500 + i) for i in range(30)}
    data["p/large.bin"] = blob("large", 3 * MiB)
    fill_s3(cloud_settings, "src-bucket", data)
    out = liftshift(
        "sync", "s3://src-bucket/p", "gs://dst-bucket/q", "--json", "--chunk-size", "1",
        env=emulator_env, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["verified"] == len(data) and summary["ok"] and summary["failed"] == []
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, "q/" + key[2:]) == body
    assert "31 verified" in out.stderr
    again = liftshift(
        "sync", "s3://src-bucket/p", "gs://dst-bucket/q", "--json", env=emulator_env, cwd=tmp_path
    )
    assert json.loads(again.stdout)["skipped_identical"] == len(data)


def test_dry_run_changes_nothing(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    fill_s3(cloud_settings, "src-bucket", {"a.txt": b"a", "b/c.txt": b"c"})
    out = liftshift(
        "sync", "s3://src-bucket/", "gs://dst-bucket/", "--dry-run", "--json",
        env=emulator_env, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["summary"]["new"] == {"objects": 2, "bytes": 2}
    assert gcs_keys(cloud_settings, gcs_bucket) == set()
    assert not (tmp_path / ".liftshift").exists()
    text = liftshift(
        "sync", "s3://src-bucket/", "gs://dst-bucket/", "--dry-run", env=emulator_env, cwd=tmp_path
    )
    assert "new" in text.stdout and "b/c.txt" in text.stdout


def _one_error_line(out: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    return lines[0]


def test_missing_buckets_give_one_line_and_exit_2(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    out = liftshift("sync", "s3://nope-src/x", "gs://dst-bucket/", env=emulator_env, cwd=tmp_path)
    assert out.returncode == 2
    assert "s3://nope-src/: bucket does not exist" in _one_error_line(out)
    fill_s3(cloud_settings, "src-bucket", {"a": b"a"})
    out = liftshift("sync", "s3://src-bucket/", "gs://nope-dst/", env=emulator_env, cwd=tmp_path)
    assert out.returncode == 2
    assert "gs://nope-dst/: bucket does not exist" in _one_error_line(out)
    out = liftshift("sync", "http://x/y", "gs://dst-bucket/", env=emulator_env, cwd=tmp_path)
    assert out.returncode == 2 and "expected s3://" in _one_error_line(out)


@pytest.fixture(scope="module")
def strict_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A moto server that checks access keys (INITIAL_NO_AUTH_ACTION_COUNT=0)."""
    port = free_port()
    log = tmp_path_factory.mktemp("strict-moto") / "moto.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    emulator = Emulator("strict-moto", f"http://127.0.0.1:{port}", port, log, process)
    from tests.fixtures.emulators import _wait_ready

    _wait_ready(emulator, "/moto-api/")
    yield emulator
    emulator.stop()


def test_bad_credentials_give_one_line_and_exit_2(
    emulator_env: dict[str, str], strict_moto: Emulator, tmp_path: Path
) -> None:
    wrong = {**emulator_env, "AWS_ENDPOINT_URL_S3": strict_moto.url}
    out = liftshift("sync", "s3://src-bucket/", "gs://dst-bucket/", env=wrong, cwd=tmp_path)
    assert out.returncode == 2
    assert "access denied" in _one_error_line(out)

    none = {k: v for k, v in emulator_env.items() if not k.startswith("AWS_")}
    none.update(
        AWS_ENDPOINT_URL_S3=emulator_env["AWS_ENDPOINT_URL_S3"],
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    out = liftshift("sync", "s3://src-bucket/", "gs://dst-bucket/", env=none, cwd=tmp_path)
    assert out.returncode == 2
    assert "no AWS credentials" in _one_error_line(out)

    no_gcp = {k: v for k, v in emulator_env.items() if k != "STORAGE_EMULATOR_HOST"}
    no_gcp.update(NO_GCE_CHECK="true", CLOUDSDK_CONFIG=str(tmp_path / "gcloud"))
    out = liftshift("sync", "s3://src-bucket/", "gs://dst-bucket/", env=no_gcp, cwd=tmp_path)
    assert out.returncode == 2
    assert "No Google Cloud credentials" in _one_error_line(out)


def _journal(project: Path) -> tuple[int, int]:
    """(verified rows, confirmed bytes of open uploads) — read-only, as the sync writes."""
    path = project / ".liftshift" / "sync-journal.sqlite"
    if not path.exists():
        return 0, 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        verified = db.execute("SELECT count(*) FROM verified").fetchone()[0]
        confirmed = db.execute("SELECT coalesce(max(confirmed), 0) FROM uploads").fetchone()[0]
        db.close()
    except sqlite3.OperationalError:
        return 0, 0
    return int(verified), int(confirmed)


def _kill_mid_sync(args: list[str], env: dict[str, str], project: Path, min_bytes: int) -> int:
    """Start the CLI, wait until some objects are verified and a large one is partly
    uploaded, then ``kill -9`` it. Returns the confirmed offset seen at the kill."""
    process = subprocess.Popen(
        [sys.executable, "-m", "liftshift", *args],
        env=env,
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            verified, confirmed = _journal(project)
            if verified >= 3 and confirmed >= min_bytes:
                process.send_signal(signal.SIGSTOP)
                _verified, confirmed = _journal(project)
                process.kill()
                process.wait()
                return confirmed
            if process.poll() is not None:
                pytest.fail("sync finished before it could be killed")
            time.sleep(0.002)
        pytest.fail("sync never reached the kill point")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    raise AssertionError("unreachable")


def _resume_checks(
    rerun: subprocess.CompletedProcess[str], total: int, confirmed: int, *, strict: bool = True
) -> dict:
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["ok"]
    resumed = {r["key"]: r["from"] for r in summary["resumed"]}
    # Nothing verified before the kill is copied again; the large object continues.
    assert summary["skipped_identical"] >= 3
    if strict or resumed:
        assert summary["bytes_copied"] <= total - confirmed
    return resumed


@pytest.mark.slow
def test_kill_9_then_resume_s3_to_gcs(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    data = {f"s/{i:02d}": blob(str(i), 2000) for i in range(20)}
    data["s/zz-large.bin"] = blob("L", 24 * MiB)
    fill_s3(cloud_settings, "src-bucket", data)
    args = ["sync", "s3://src-bucket/s", "gs://dst-bucket/s", "--chunk-size", "1", "--workers", "2"]
    confirmed = _kill_mid_sync(args, emulator_env, tmp_path, 3 * MiB)
    rerun = liftshift(*args, "--json", env=emulator_env, cwd=tmp_path)
    total = sum(len(b) for b in data.values())
    resumed = _resume_checks(rerun, total, confirmed, strict=False)
    # fake-gcs-server cannot be asked how much it holds, so we resume from the journal's last
    # acknowledged offset. If the kill fell between the server's ack and the journal write, the
    # resent chunk is caught by the hash check and the object is copied again from zero: slower,
    # never wrong. (test_streaming's cancel test checks the resume itself deterministically.)
    assert confirmed > 0
    assert resumed.get("s/zz-large.bin", confirmed) >= confirmed
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, key) == body


@pytest.mark.slow
def test_kill_9_then_resume_on_local_target(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFTSHIFT_")}
    env["LIFTSHIFT_TARGET"] = "local"
    data = {f"f{i:02d}": blob(str(i), 1500) for i in range(20)}
    data["zz-large.bin"] = blob("L", 24 * MiB)
    source = tmp_path / "seed"
    source.mkdir()
    for key, body in data.items():
        (source / key).write_bytes(body)
    seeded = liftshift("local", "seed", "s3://in-bucket/d", str(source), env=env, cwd=project)
    assert seeded.returncode == 0, seeded.stderr
    # No destination folder yet: on the local target the bucket is created on demand.
    args = ["sync", "s3://in-bucket/d", "gs://out-bucket/d", "--chunk-size", "1", "--workers", "2"]
    confirmed = _kill_mid_sync(args, env, project, 3 * MiB)
    rerun = liftshift(*args, "--json", env=env, cwd=project)
    resumed = _resume_checks(rerun, sum(len(b) for b in data.values()), confirmed)
    assert resumed["d/zz-large.bin"] >= confirmed
    for key, body in data.items():
        assert (project / ".liftshift/local/gcs/out-bucket/d" / key).read_bytes() == body
    assert not any((project / ".liftshift/local/.uploads").iterdir())


def test_plan_driven_sync_seeds_local_sample_data(tmp_path: Path) -> None:
    project = tmp_path / "example"
    (project / "data" / "train").mkdir(parents=True)
    (project / "data" / "train" / "train.csv").write_text("x,y\n1,2\n")
    (project / "data" / "test.csv").write_text("x,y\n3,4\n")
    plan = Plan(
        data=DataPlan(
            channels=[
                ChannelPlan("train", "s3://ex-bucket/train", "gs://ex-out/train", "--train",
                            "data/train"),
                ChannelPlan("test", "s3://ex-bucket/test/test.csv", "gs://ex-out/test/",
                            "--test", "data/test.csv"),
            ]
        )
    )  # fmt: skip
    save_plan(plan, project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFTSHIFT_")}
    out = liftshift("sync", str(project), "--json", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [c["ok"] for c in report["checks"]] == [True, True]
    assert "post-sync check train: ok" in out.stderr
    root = project / ".liftshift" / "local"
    assert (root / "gcs/ex-out/train/train.csv").read_text() == "x,y\n1,2\n"
    assert (root / "gcs/ex-out/test/test.csv").read_text() == "x,y\n3,4\n"
    ls = liftshift("local", "ls", "gs://ex-out/", "--project", str(project), env=env)
    assert "gs://ex-out/train/train.csv" in ls.stdout
    buckets = liftshift("local", "ls", "--project", str(project), env=env)
    assert buckets.stdout.split() == ["s3://ex-bucket/", "gs://ex-out/"]
    path = liftshift("local", "path", "gs://ex-out/train", "--project", str(project), env=env)
    assert Path(path.stdout.strip()) == (root / "gcs/ex-out/train").resolve()
    again = liftshift("sync", str(project), "--json", env=env, cwd=tmp_path)
    assert [c["skipped_identical"] for c in json.loads(again.stdout)["channels"]] == [1, 1]
    bad = liftshift("local", "path", "gs://ex-out/../../etc", "--project", str(project), env=env)
    assert bad.returncode == 2 and "'..' segments are not allowed" in bad.stderr


def test_an_empty_source_prefix_exits_1_naming_the_nearest_prefix(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    fill_s3(cloud_settings, "src-bucket", {"datasets/train/a.csv": b"a,b\n"})
    source = "s3://src-bucket/datasets/trian"
    out = liftshift("sync", source, "gs://dst-bucket/q", env=emulator_env, cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "s3://src-bucket/datasets/trian: no object under this prefix" in out.stderr
    assert "did you mean s3://src-bucket/datasets/train/?" in out.stderr
