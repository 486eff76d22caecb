"""The copy path speaks GCS's JSON API through google-auth and google-resumable-media, never
importing google-cloud-storage, and hashes on a thread of its own without changing a digest."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from liftshift.foundation.settings import Settings
from liftshift.sync.verify import BackgroundHasher, StreamHasher
from tests.sync.support import MiB, blob, fill_s3, gcs_read


def test_sync_never_imports_google_cloud_storage(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    data = {"d/small.csv": blob("small", 5000), "d/large.bin": blob("large", 9 * MiB + 3)}
    fill_s3(cloud_settings, "src-bucket", data)
    command = ["sync", "s3://src-bucket/d", f"gs://{gcs_bucket}/d", "--engine", "copy"]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "liftshift", *command],
        capture_output=True,
        text=True,
        env=emulator_env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "google.resumable_media.requests.upload" in imported
    assert not {name for name in imported if name.startswith("google.cloud.storage")}
    for key, body in data.items():
        assert gcs_read(cloud_settings, gcs_bucket, key) == body


def test_background_hasher_matches_the_stream_hasher() -> None:
    pieces = [blob(str(i), 300_000 + i) for i in range(9)]
    alone = StreamHasher(part_size=MiB)
    threaded = BackgroundHasher(StreamHasher(part_size=MiB), depth=2)
    for number, piece in enumerate(pieces):
        alone.update(piece)
        threaded.update(piece)
        if number == 4:
            snapshot = threaded.copy()
            assert snapshot.md5 == alone.md5
            assert snapshot.size == alone.size
    settled = threaded.close()
    assert settled.md5 == alone.md5 == hashlib.md5(b"".join(pieces)).digest()
    assert settled.crc32c == alone.crc32c
    assert settled.multipart_etag() == alone.multipart_etag()
