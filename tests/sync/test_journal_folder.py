"""A read-only or full ``.liftshift/`` (a real tmpfs, mounted in a user namespace with
``unshare``, and a fault-injecting journal where that is not available): the sync checks the
journal folder before copying, stops at the first journal write that fails, and says so in one
line naming the folder and the cause."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.sync import plan_sync, run_sync
from liftshift.sync.journal import Journal, JournalError
from tests.sync.support import blob, fill_s3, gcs_keys


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs unshare -rm to mount a tmpfs")

MOUNT_AND_RUN = (
    'mkdir -p "$STATE" && mount -t tmpfs -o "$OPTIONS" tmpfs "$STATE" && {fill} exec "$@"'
)


def sync_with_state_on_tmpfs(
    project: Path, env: dict[str, str], options: str, *args: str, fill_kib: int = 0
) -> subprocess.CompletedProcess[str]:
    """``liftshift sync ARGS`` in ``project`` with ``project/.liftshift`` a fresh tmpfs."""
    fill = (
        f'dd if=/dev/zero of="$STATE/filler" bs=1024 count={fill_kib} 2>/dev/null;'
        if fill_kib
        else ""
    )
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", MOUNT_AND_RUN.format(fill=fill), "sh",
         sys.executable, "-m", "liftshift", "sync", *args],
        env={**env, "STATE": str(project / ".liftshift"), "OPTIONS": options},
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@needs_mount
def test_read_only_state_folder_stops_before_copying(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    fill_s3(cloud_settings, "src-bucket", {f"r/{i}.bin": b"x" * 100 for i in range(5)})
    out = sync_with_state_on_tmpfs(
        tmp_path, emulator_env, "ro,size=64k", "s3://src-bucket/r", "gs://dst-bucket/r"
    )
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 1, out.stderr
    assert lines == [
        f"liftshift sync: cannot write the sync journal in {tmp_path / '.liftshift'}: the file "
        "system is read-only (free space or make the folder writable, then rerun to resume)"
    ]
    assert gcs_keys(cloud_settings, gcs_bucket) == set()


@needs_mount
def test_full_state_folder_stops_at_the_first_failed_journal_write(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    objects = {f"f/{i:03d}.bin": blob(str(i), 200) for i in range(300)}
    fill_s3(cloud_settings, "src-bucket", objects)
    # 1 MiB of tmpfs with 640 KiB filled: the journal opens, then its log fills up.
    out = sync_with_state_on_tmpfs(
        tmp_path, emulator_env, "size=1m", "s3://src-bucket/f", "gs://dst-bucket/f",
        "--workers", "2", fill_kib=640,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert "internal error" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if "journal" in line]
    assert lines == [
        f"liftshift sync: cannot write the sync journal in {tmp_path / '.liftshift'}: no space "
        "left on the device (free space or make the folder writable, then rerun to resume)"
    ], out.stderr
    copied = len(gcs_keys(cloud_settings, gcs_bucket))
    assert 0 < copied < len(objects)


class FillingJournal(Journal):
    """A journal whose disk fills after ``room`` verified objects (SQLite's own error)."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path)
        self.room = room

    def record_verified(self, *args: object, **kwargs: object) -> None:
        if self.room <= 0:
            with self._session():
                raise sqlite3.OperationalError("database or disk is full")
        self.room -= 1
        super().record_verified(*args, **kwargs)  # type: ignore[arg-type]


def test_the_first_failed_journal_write_stops_the_sync(tmp_path: Path) -> None:
    """The same stop without a tmpfs: the first failed write raises one JournalError and the
    workers stop taking objects (no error repeated per object)."""
    source = tmp_path / ".liftshift" / "local" / "s3" / "b" / "f"
    source.mkdir(parents=True)
    for i in range(200):
        (source / f"{i:03d}.bin").write_bytes(b"x" * 10)
    (tmp_path / ".liftshift" / "local" / "gcs" / "out").mkdir(parents=True)
    settings = Settings.from_env(tmp_path, env={})
    plan = plan_sync("s3://b/f", "gs://out/f", settings)
    journal = FillingJournal(tmp_path / "journal.sqlite", room=5)
    with pytest.raises(JournalError, match="no space left on the device"):
        run_sync(plan, settings, journal=journal, workers=2)
    copied = list((tmp_path / ".liftshift" / "local" / "gcs" / "out" / "f").iterdir())
    assert len(copied) < 20, "the sync stopped instead of copying everything"
