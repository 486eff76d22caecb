"""One large object read over several ranged GETs at once: same bytes, same checks."""

from __future__ import annotations

import threading

import pytest

from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import TransientError
from liftshift.sync import CopyOptions, ObjectEvent, plan_sync, run_sync
from liftshift.sync.pipe import RangedReader
from tests.sync.support import MiB, blob, fill_s3, gcs_read


def drain(reader: RangedReader) -> bytes:
    parts = []
    while piece := reader.read(3 * MiB):
        assert len(piece) <= MiB
        parts.append(piece)
    return b"".join(parts)


def test_ranged_reader_hands_out_the_range_in_order() -> None:
    data = blob("ranged", 5 * MiB + 12345)
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def read_range(first: int, last: int) -> bytes:
        with lock:
            seen.append((first, last))
        return data[first:last]

    reader = RangedReader(read_range, 1000, len(data), parallel=3, segment=MiB)
    assert drain(reader) == data[1000:]
    reader.close()
    assert sorted(seen)[0] == (1000, 1000 + MiB)
    assert sum(last - first for first, last in seen) == len(data) - 1000


def test_a_short_range_is_a_transient_error() -> None:
    reader = RangedReader(lambda first, last: b"x" * (last - first - 1), 0, 4 * MiB, segment=MiB)
    with pytest.raises(TransientError):
        drain(reader)
    reader.close()


def test_sync_with_parallel_ranged_reads_verifies(
    cloud_settings: Settings, gcs_bucket: str
) -> None:
    data = {"big/one.bin": blob("one", 21 * MiB + 7), "big/two.bin": blob("two", 9 * MiB)}
    fill_s3(cloud_settings, "src-bucket", data)
    plan = plan_sync("s3://src-bucket/big", f"gs://{gcs_bucket}/big", cloud_settings)
    options = CopyOptions(chunk_size=4 * MiB, parallel_reads=3)
    events: list[object] = []
    result = run_sync(plan, cloud_settings, events.append, options=options, workers=4)
    assert result.ok, result.failed
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, key) == body
    checks = {e.key: set(e.detail.split(", ")) for e in events
              if isinstance(e, ObjectEvent) and e.state == "verified"}  # fmt: skip
    assert {"source-md5", "destination-md5", "destination-crc32c"} <= checks["big/one.bin"]
