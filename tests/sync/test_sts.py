"""The Storage Transfer Service engine against an in-process fake of the API (real client)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.sync import ObjectEvent, SyncProgress, SyncStarted, plan_sync
from liftshift.sync import engine as engine_module
from liftshift.sync.engine import choose_engine
from liftshift.sync.sts import run_transfer
from tests.fakes.storage_transfer import FakeStorageTransfer
from tests.sync.support import MiB, blob, fill_s3, gcs_read, put_multipart

ROLE = "arn:aws:iam::123456789012:role/liftshift-sts"


@pytest.fixture
def fake_sts(cloud_settings: Settings) -> Iterator[FakeStorageTransfer]:
    fake = FakeStorageTransfer(cloud_settings)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def sts_settings(cloud_settings: Settings, fake_sts: FakeStorageTransfer) -> Settings:
    gcp = dataclasses.replace(cloud_settings.gcp, transfer_endpoint=fake_sts.endpoint)
    return dataclasses.replace(cloud_settings, gcp=gcp)


def test_sts_job_copies_and_reports_progress(
    sts_settings: Settings, fake_sts: FakeStorageTransfer, gcs_bucket: str
) -> None:
    data = {f"data/part-{i}.csv": blob(str(i), 2000 + i) for i in range(5)}
    fill_s3(sts_settings, "src-bucket", data)
    multipart = blob("mp", 6 * MiB)
    put_multipart(sts_settings, "src-bucket", "data/multi.bin", multipart, 5 * MiB)
    data["data/multi.bin"] = multipart
    fake_sts.delay_per_object = 0.02
    plan = plan_sync("s3://src-bucket/data", "gs://dst-bucket/in", sts_settings)
    events: list[object] = []
    result = run_transfer(plan, sts_settings, events.append, role_arn=ROLE, poll_interval=0.02)
    assert result.ok, result.failed
    assert result.engine == "sts"
    assert result.verified == len(data)
    for key, body in data.items():
        assert gcs_read(sts_settings, gcs_bucket, "in/" + key[len("data/") :]) == body
    checks = {e.key: e.detail for e in events if isinstance(e, ObjectEvent)}
    assert checks["data/multi.bin"] == "storage-transfer, sts-integrity-check"
    assert checks["data/part-0.csv"] == "storage-transfer, md5 match"

    started = [e for e in events if isinstance(e, SyncStarted)]
    assert started and started[0].engine == "sts"
    progress = [e for e in events if isinstance(e, SyncProgress)]
    assert progress[-1].objects_done == len(data)
    assert progress[-1].bytes_done == sum(len(b) for b in data.values())

    (_, request), _ = fake_sts.requests[0], fake_sts.requests[1]
    source = request.transfer_job.transfer_spec.aws_s3_data_source
    assert source.role_arn == ROLE
    assert not source.aws_access_key.access_key_id
    assert source.path == "data/"
    assert request.transfer_job.transfer_spec.gcs_data_sink.path == "in/"


def test_sts_copies_a_channel_that_names_one_object(
    sts_settings: Settings, fake_sts: FakeStorageTransfer, gcs_bucket: str
) -> None:
    body = blob("titanic", 3000)
    fill_s3(sts_settings, "src-bucket", {"titanic/train.csv": body, "titanic/other.csv": b"x"})
    plan = plan_sync(
        "s3://src-bucket/titanic/train.csv", "gs://dst-bucket/t/train.csv", sts_settings
    )
    events: list[object] = []
    result = run_transfer(plan, sts_settings, events.append, role_arn=ROLE, poll_interval=0.02)
    assert result.ok, result.failed
    assert result.verified == 1
    assert [e.key for e in events if isinstance(e, ObjectEvent)] == ["titanic/train.csv"]
    assert gcs_read(sts_settings, gcs_bucket, "t/train.csv") == body
    spec = fake_sts.requests[0][1].transfer_job.transfer_spec
    assert (spec.aws_s3_data_source.path, spec.gcs_data_sink.path) == ("titanic/", "t/")
    assert list(spec.object_conditions.include_prefixes) == ["train.csv"]


def test_sts_failures_are_listed(
    sts_settings: Settings, fake_sts: FakeStorageTransfer, gcs_bucket: str
) -> None:
    fill_s3(sts_settings, "src-bucket", {"a.csv": b"a", "b.csv": b"b"})
    fake_sts.fail_keys = {"b.csv"}
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", sts_settings)
    events: list[object] = []
    result = run_transfer(plan, sts_settings, events.append, role_arn=ROLE, poll_interval=0.02)
    assert not result.ok
    assert [f.key for f in result.failed] == ["s3://src-bucket/b.csv"]
    assert result.failed_count == 1
    assert "access denied" in result.failed[0].reason
    verdicts = [(e.key, e.state) for e in events if isinstance(e, ObjectEvent)]
    assert sorted(verdicts) == [("a.csv", "verified"), ("s3://src-bucket/b.csv", "failed")]


def test_access_keys_come_from_the_chain_and_never_leak(
    sts_settings: Settings,
    fake_sts: FakeStorageTransfer,
    gcs_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    monkeypatch.delenv("LIFTSHIFT_STS_ROLE_ARN", raising=False)
    fill_s3(sts_settings, "src-bucket", {"a.csv": b"a"})
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", sts_settings)
    events: list[object] = []
    result = run_transfer(plan, sts_settings, events.append, poll_interval=0.02)
    assert result.ok
    source = fake_sts.requests[0][1].transfer_job.transfer_spec.aws_s3_data_source
    assert source.aws_access_key.secret_access_key == "very-secret-value"
    assert "very-secret-value" not in repr(events) + repr(result)


def test_auto_engine_threshold(
    cloud_settings: Settings, gcs_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_s3(cloud_settings, "src-bucket", {f"k{i}": b"x" for i in range(3)})
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", cloud_settings)
    assert choose_engine(plan, cloud_settings, "auto") == "copy"
    monkeypatch.setattr(engine_module, "STS_MIN_OBJECTS", 3)
    assert choose_engine(plan, cloud_settings, "auto") == "sts"
    local = dataclasses.replace(cloud_settings, target="local")
    assert choose_engine(plan, local, "auto") == "copy"


def test_cli_engine_sts(
    sts_settings: Settings,
    fake_sts: FakeStorageTransfer,
    gcs_bucket: str,
    emulator_env: dict[str, str],
    tmp_path: Path,
) -> None:
    fill_s3(sts_settings, "src-bucket", {"d/a.csv": b"a,b\n", "d/b.csv": b"c,d\n"})
    env = {
        **emulator_env,
        "LIFTSHIFT_TRANSFER_ENDPOINT": fake_sts.endpoint,
        "LIFTSHIFT_STS_ROLE_ARN": ROLE,
    }
    out = subprocess.run(
        [sys.executable, "-m", "liftshift", "sync", "s3://src-bucket/d", "gs://dst-bucket/d",
         "--engine", "sts", "--json"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["engine"] == "sts" and summary["verified"] == 2 and summary["ok"]
    assert gcs_read(sts_settings, gcs_bucket, "d/b.csv") == b"c,d\n"
    local = subprocess.run(
        [sys.executable, "-m", "liftshift", "sync", "s3://src-bucket/d", "gs://dst-bucket/d",
         "--engine", "sts", "--target", "local"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert local.returncode == 2
