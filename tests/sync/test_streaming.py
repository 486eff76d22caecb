"""Large objects stream with bounded memory; cancelling keeps the upload for a resume."""

from __future__ import annotations

import threading
import tracemalloc

import pytest

from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import open_store
from liftshift.sync import CopyOptions, SyncProgress, plan_sync, run_sync, runner
from liftshift.sync.copier import Copier
from liftshift.sync.journal import Journal
from tests.sync.support import SMALL_OPTIONS, MiB, blob, fill_s3, gcs_read


def test_large_object_streams_in_bounded_memory(cloud_settings: Settings, gcs_bucket: str) -> None:
    body = blob("big", 40 * MiB + 3)
    fill_s3(cloud_settings, "src-bucket", {"big.bin": body})
    del body
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", cloud_settings)
    src = open_store("s3://src-bucket/", cloud_settings)
    dst = open_store("gs://dst-bucket/", cloud_settings)
    journal = Journal.for_state_dir(cloud_settings.state_dir)
    copier = Copier(src, dst, journal, options=CopyOptions(chunk_size=32 * MiB))
    tracemalloc.start()
    try:
        copied = copier.copy(plan.items[0])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        journal.close()
    assert {"source-md5", "destination-md5", "destination-crc32c"} <= set(copied.checks)
    # 40 MiB went through 32 MiB chunks, yet Python never held more than a few 1 MiB blocks.
    assert peak < 16 * MiB, peak


def test_cancel_keeps_the_upload_and_a_rerun_resumes(
    cloud_settings: Settings, gcs_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "PROGRESS_INTERVAL", 0.0)  # every byte count is reported
    body = blob("c", 12 * MiB)
    fill_s3(cloud_settings, "src-bucket", {"c.bin": body})
    cancel = threading.Event()

    def reporter(event: object) -> None:
        if isinstance(event, SyncProgress) and event.bytes_done >= 3 * MiB:
            cancel.set()

    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", cloud_settings)
    first = run_sync(plan, cloud_settings, reporter, cancel, options=SMALL_OPTIONS)
    assert first.cancelled and not first.ok and not first.failed
    journal = Journal.for_state_dir(cloud_settings.state_dir)
    (_src, _dst, upload), *_ = journal.open_uploads()
    journal.close()
    assert upload.confirmed >= 2 * MiB
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", cloud_settings)
    second = run_sync(plan, cloud_settings, options=SMALL_OPTIONS)
    assert second.ok
    assert [(r.key, r.resumed_from) for r in second.resumed] == [("c.bin", upload.confirmed)]
    assert second.bytes_copied == len(body) - upload.confirmed
    assert gcs_read(cloud_settings, gcs_bucket, "c.bin") == body


def test_an_object_within_one_chunk_streams_in_one_request(
    cloud_settings: Settings, gcs_bucket: str
) -> None:
    """Between the one-PUT limit and the chunk size, an object streams into one request: no
    resumable session to record, memory still a few blocks, every check made."""
    body = blob("one", 24 * MiB + 5)
    fill_s3(cloud_settings, "src-bucket", {"one.bin": body})
    plan = plan_sync("s3://src-bucket/", "gs://dst-bucket/", cloud_settings)
    src = open_store("s3://src-bucket/", cloud_settings)
    dst = open_store("gs://dst-bucket/", cloud_settings)
    upload = dst.start_upload("one.bin", len(body), chunk_size=32 * MiB)
    assert upload.session == ""  # nothing to resume: the journal records no upload
    journal = Journal.for_state_dir(cloud_settings.state_dir)
    sessions: list[str] = []
    record_upload = journal.record_upload
    journal.record_upload = lambda *a, **k: sessions.append(k["session"]) or record_upload(*a, **k)  # type: ignore[method-assign]
    copier = Copier(src, dst, journal, options=CopyOptions(chunk_size=32 * MiB))
    del body
    tracemalloc.start()
    try:
        copied = copier.copy(plan.items[0])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        journal.close()
    assert sessions == []
    assert {"source-md5", "destination-md5", "destination-crc32c"} <= set(copied.checks)
    assert peak < 16 * MiB, peak
    assert gcs_read(cloud_settings, gcs_bucket, "one.bin") == blob("one", 24 * MiB + 5)
