"""Throttling, 5xx and dropped connections on the wire (a fault-injecting proxy in front of
each emulator) are retried with backoff; the copy still verifies byte for byte."""

from __future__ import annotations

import dataclasses

from liftshift.foundation.clients import gcs_client, s3_client
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import open_store
from liftshift.foundation.storage.local import LocalStore
from liftshift.sync import CopyOptions, plan_sync, run_sync
from liftshift.sync.retry import RetryPolicy
from tests.sync.faultproxy import FaultProxy
from tests.sync.support import MiB, blob, fill_s3, gcs_read

FAST_RETRY = CopyOptions(
    chunk_size=MiB,
    single_request_max=MiB,
    memory_budget=16 * MiB,
    retry=RetryPolicy(attempts=8, base=0.01, cap=0.1),
)


def gcs_faults(number: int, _request: str) -> int | str | None:
    if number % 5 == 0:
        return 503
    if number % 7 == 0:
        return 429
    if number % 11 == 0:
        return "drop"
    return None


def s3_faults(number: int, _request: str) -> int | str | None:
    if number % 6 == 0:
        return 503
    if number % 13 == 0:
        return "drop"
    return None


def test_sync_survives_throttling_5xx_and_dropped_connections(
    cloud_settings: Settings, gcs_bucket: str
) -> None:
    data = {f"f/{i:02d}.bin": blob(str(i), 700 + i) for i in range(25)}
    data["f/large.bin"] = blob("large", 4 * MiB + 5)
    fill_s3(cloud_settings, "src-bucket", data)
    assert cloud_settings.aws.endpoint_url and cloud_settings.gcp.storage_endpoint
    with (
        FaultProxy(cloud_settings.aws.endpoint_url, s3_faults) as s3_proxy,
        FaultProxy(cloud_settings.gcp.storage_endpoint, gcs_faults) as gcs_proxy,
    ):
        settings = dataclasses.replace(
            cloud_settings,
            aws=dataclasses.replace(cloud_settings.aws, endpoint_url=s3_proxy.url),
            gcp=dataclasses.replace(cloud_settings.gcp, storage_endpoint=gcs_proxy.url),
        )
        plan = plan_sync("s3://src-bucket/f", "gs://dst-bucket/f", settings)
        result = run_sync(plan, settings, options=FAST_RETRY, workers=4)
    assert result.ok, result.failed
    assert result.verified == len(data)
    assert sum(gcs_proxy.faults.values()) >= 5, gcs_proxy.faults
    assert sum(s3_proxy.faults.values()) >= 3, s3_proxy.faults
    assert {"503", "429", "drop"} <= set(gcs_proxy.faults)
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, key) == body


def test_one_bad_object_does_not_stop_the_rest(cloud_settings: Settings) -> None:
    """Keys that would escape a local destination folder are refused; the others copy."""
    fill_s3(
        cloud_settings,
        "src-bucket",
        {"ok/a.txt": b"a", "../escape.txt": b"evil", "ok/../../up.txt": b"evil", "ok/b": b"b"},
    )
    local = dataclasses.replace(cloud_settings, target="local")
    destination = open_store("gs://local-out/", local)
    assert isinstance(destination, LocalStore)
    destination.create_bucket()
    source = open_store("s3://src-bucket/", cloud_settings)
    plan = plan_sync("s3://src-bucket/", "gs://local-out/", local, src_store=source,
                     dst_store=destination)  # fmt: skip
    result = run_sync(plan, local, src_store=source, dst_store=destination)
    assert result.verified == 2
    assert destination.read("ok/a.txt", 0, 1) == b"a" and destination.read("ok/b", 0, 1) == b"b"
    assert sorted(f.key for f in result.failed) == ["../escape.txt", "ok/../../up.txt"]
    assert all("escape" in f.reason or "cannot be stored" in f.reason for f in result.failed)
    root = local.local_storage_root
    assert not (root / "gcs" / "escape.txt").exists()
    assert not (root / "up.txt").exists() and not (root / "gcs" / "up.txt").exists()


class FirstOfEach:
    """A schedule that applies listed faults once each, in order, to the first requests that
    start with a given prefix (e.g. ``"GET /bucket/key"``)."""

    def __init__(self, faults: dict[str, list[str]]) -> None:
        self.faults = {prefix: list(each) for prefix, each in faults.items()}

    def __call__(self, _number: int, request: str) -> str | None:
        for prefix, faults in self.faults.items():
            if request.startswith(prefix) and faults:
                return faults.pop(0)
        return None


def test_corrupted_and_cut_bodies_are_retried(cloud_settings: Settings, gcs_bucket: str) -> None:
    """A response body flipped on the wire (botocore ``FlexibleChecksumError``), an S3 body cut
    short, and a GCS resumable-upload answer cut short (requests ``ChunkedEncodingError``) are
    transient: the object is retried and verifies; nothing fails with a raw exception."""
    data = {"c/small.bin": blob("small", 4000), "c/large.bin": blob("large", 3 * MiB + 7)}
    fill_s3(cloud_settings, "src-bucket", {"c/large.bin": data["c/large.bin"]})
    # Stored with a checksum, so botocore checks the GET answer against it.
    s3_client(cloud_settings).put_object(
        Bucket="src-bucket", Key="c/small.bin", Body=data["c/small.bin"], ChecksumAlgorithm="CRC32"
    )
    assert cloud_settings.aws.endpoint_url and cloud_settings.gcp.storage_endpoint
    s3_schedule = FirstOfEach(
        {"GET /src-bucket/c/small": ["corrupt", "cut"], "GET /src-bucket/c/large": ["cut"]}
    )
    gcs_schedule = FirstOfEach({"PUT ": ["cut", "cut"]})
    with (
        FaultProxy(cloud_settings.aws.endpoint_url, s3_schedule) as s3_proxy,
        FaultProxy(cloud_settings.gcp.storage_endpoint, gcs_schedule) as gcs_proxy,
    ):
        settings = dataclasses.replace(
            cloud_settings,
            aws=dataclasses.replace(cloud_settings.aws, endpoint_url=s3_proxy.url),
            gcp=dataclasses.replace(cloud_settings.gcp, storage_endpoint=gcs_proxy.url),
        )
        plan = plan_sync("s3://src-bucket/c", "gs://dst-bucket/c", settings)
        result = run_sync(plan, settings, options=FAST_RETRY, workers=1)
    assert result.ok, result.failed
    assert s3_proxy.faults == {"corrupt": 1, "cut": 2}, s3_proxy.faults
    assert gcs_proxy.faults == {"cut": 2}, gcs_proxy.faults
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, key) == body


def test_a_body_corrupted_every_time_fails_with_one_clean_line(cloud_settings: Settings) -> None:
    gcs_client(cloud_settings).create_bucket("dst-bucket")
    s3_client(cloud_settings).create_bucket(Bucket="src-bucket")
    s3_client(cloud_settings).put_object(
        Bucket="src-bucket", Key="c/small.bin", Body=b"x" * 1000, ChecksumAlgorithm="CRC32"
    )
    assert cloud_settings.aws.endpoint_url
    options = dataclasses.replace(
        FAST_RETRY, object_attempts=1, retry=RetryPolicy(attempts=2, base=0.01, cap=0.01)
    )
    with FaultProxy(
        cloud_settings.aws.endpoint_url,
        lambda _n, request: "corrupt" if request.startswith("GET /src-bucket/c/small") else None,
    ) as proxy:
        settings = dataclasses.replace(
            cloud_settings, aws=dataclasses.replace(cloud_settings.aws, endpoint_url=proxy.url)
        )
        plan = plan_sync("s3://src-bucket/c", "gs://dst-bucket/c", settings)
        result = run_sync(plan, settings, options=options, workers=1)
    assert [f.reason for f in result.failed] == [
        "s3://src-bucket/c/small.bin: answer failed its checksum (corrupted in transit)"
    ]
