"""S3 (moto) → GCS (fake-gcs-server): copy, verify, skip what is proven identical."""

from __future__ import annotations

import pytest

from liftshift.foundation.clients import s3_client
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import BucketNotFound, ObjectStore, open_store
from liftshift.sync import ObjectEvent, SyncProgress, plan_sync, run_sync
from liftshift.sync.journal import Journal
from tests.sync.support import (
    ODD_KEYS,
    SMALL_OPTIONS,
    MiB,
    blob,
    fill_s3,
    gcs_keys,
    gcs_read,
    put_multipart,
)


def mixed_dataset() -> dict[str, bytes]:
    data = {f"train/part-{i:03d}.csv": blob(f"s{i}", 1000 + i * 37) for i in range(40)}
    data["train/big-single.bin"] = blob("big", 3 * MiB + 12345)
    data.update({key.replace("odd/", "train/odd/"): value for key, value in ODD_KEYS.items()})
    return data


def test_mixed_dataset_is_copied_byte_for_byte(cloud_settings: Settings, gcs_bucket: str) -> None:
    data = mixed_dataset()
    fill_s3(cloud_settings, "src-bucket", data)
    multipart = blob("multi", 11 * MiB + 7)
    etag = put_multipart(cloud_settings, "src-bucket", "train/multipart.bin", multipart, 5 * MiB)
    assert etag.endswith("-3")
    data["train/multipart.bin"] = multipart

    events: list[object] = []
    plan = plan_sync("s3://src-bucket/train", "gs://dst-bucket/data/train", cloud_settings)
    assert plan.count("new") == len(data)
    result = run_sync(plan, cloud_settings, events.append, options=SMALL_OPTIONS, workers=6)
    assert result.ok, result.failed
    assert result.verified == len(data)

    assert gcs_keys(cloud_settings, gcs_bucket) == {f"data/{key}" for key in data}
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, f"data/{key}") == body, key

    checks = {e.key: e.detail.split(", ") for e in events if isinstance(e, ObjectEvent)
              and e.state == "verified"}  # fmt: skip
    assert "source-multipart-etag" in checks["train/multipart.bin"]
    assert {"destination-md5", "destination-crc32c"} <= set(checks["train/multipart.bin"])
    assert "source-md5" in checks["train/part-000.csv"]
    # the journal keeps the same per-object detail the result no longer holds
    journal = Journal.for_state_dir(cloud_settings.state_dir)
    recorded = journal.checks(
        "s3://src-bucket/train/multipart.bin", "gs://dst-bucket/data/train/multipart.bin"
    )
    journal.close()
    assert recorded == tuple(checks["train/multipart.bin"])
    head = open_store("gs://dst-bucket/", cloud_settings).head("data/train/odd/données-日本語.csv")
    assert head is not None
    assert head.content_type == "text/csv"
    assert head.metadata == {"origin": "test"}
    assert any(isinstance(e, SyncProgress) for e in events)
    assert sum(isinstance(e, ObjectEvent) and e.state == "verified" for e in events) == len(data)

    again = plan_sync("s3://src-bucket/train", "gs://dst-bucket/data/train", cloud_settings)
    assert again.count("identical") == len(data)
    assert {i.reason for i in again.items if i.key == "train/multipart.bin"} == {
        "verified before (journal)"
    }


def test_multipart_without_journal_is_never_assumed_equal(
    cloud_settings: Settings, gcs_bucket: str
) -> None:
    body = blob("m", 6 * MiB)
    s3_client(cloud_settings).create_bucket(Bucket="src-bucket2")
    put_multipart(cloud_settings, "src-bucket2", "m.bin", body, 5 * MiB)
    open_store("gs://dst-bucket/", cloud_settings).put("m.bin", body)
    plan = plan_sync("s3://src-bucket2/", "gs://dst-bucket/", cloud_settings)
    assert [(i.action, i.reason) for i in plan.items] == [
        ("changed", "no comparable hash (e.g. multipart ETag): copy again to verify")
    ]


class CorruptingStore:
    """Wraps a destination store and flips one byte of everything written to it: the bytes
    change between our read (and hashing) and the store's write."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    @staticmethod
    def flip(data: bytes) -> bytes:
        return bytes([data[0] ^ 0xFF]) + data[1:] if data else data

    def put(self, key: str, data: bytes, **kwargs: object) -> object:
        return self.inner.put(key, self.flip(data), **kwargs)  # type: ignore[arg-type]

    def start_upload(self, *args: object, **kwargs: object) -> object:
        upload = self.inner.start_upload(*args, **kwargs)  # type: ignore[arg-type]
        write = upload.write

        def corrupt(offset: int, data: object, *, last: bool) -> object:
            body = data if isinstance(data, bytes) else data.read_all()  # type: ignore[attr-defined]
            return write(offset, self.flip(body) if offset == 0 else body, last=last)

        upload.write = corrupt  # type: ignore[method-assign]
        return upload


def test_corrupted_upload_is_detected_and_reported(
    cloud_settings: Settings, gcs_bucket: str
) -> None:
    fill_s3(cloud_settings, "src-bucket", {"a.bin": blob("a", 5000), "b.bin": blob("b", 3 * MiB)})
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", cloud_settings)
    dst = CorruptingStore(open_store("gs://dst-bucket/", cloud_settings))
    result = run_sync(plan, cloud_settings, options=SMALL_OPTIONS, dst_store=dst)  # type: ignore[arg-type]
    assert not result.ok
    assert sorted(f.key for f in result.failed) == ["a.bin", "b.bin"]
    assert all("MD5" in f.reason or "md5" in f.reason.lower() for f in result.failed)
    # Nothing corrupt is left behind under the real key.
    assert gcs_keys(cloud_settings, gcs_bucket) == set()


def test_missing_buckets_are_reported_before_copying(
    cloud_settings: Settings, gcs_bucket: str
) -> None:
    with pytest.raises(BucketNotFound, match="s3://nope-bucket"):
        plan_sync("s3://nope-bucket/x", "gs://dst-bucket/", cloud_settings)
    fill_s3(cloud_settings, "src-bucket", {"a": b"a"})
    with pytest.raises(BucketNotFound, match="gs://nope-bucket"):
        plan_sync("s3://src-bucket/", "gs://nope-bucket/", cloud_settings)


def test_single_object_and_prefix_boundaries(cloud_settings: Settings, gcs_bucket: str) -> None:
    fill_s3(
        cloud_settings,
        "src-bucket",
        {"data/train": b"x", "data/train/a": b"a", "data/training.csv": b"no"},
    )
    plan = plan_sync("s3://src-bucket/data/train", "gs://dst-bucket/t", cloud_settings)
    assert sorted(i.key for i in plan.items) == ["data/train", "data/train/a"]
    plan = plan_sync("s3://src-bucket/data/training.csv", "gs://dst-bucket/in/", cloud_settings)
    assert [i.dst_key for i in plan.items] == ["in/training.csv"]
    result = run_sync(plan, cloud_settings)
    assert result.ok and gcs_read(cloud_settings, gcs_bucket, "in/training.csv") == b"no"
