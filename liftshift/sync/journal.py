"""The sync journal: what was verified, and which resumable uploads are open.

A SQLite file under ``.liftshift/`` survives ``kill -9``: every row is committed as soon as the
fact it records is true (an object verified, a chunk acknowledged), in WAL mode so that costs a
few microseconds, not an fsync per object. A rerun trusts a "verified" row only while both sides
still show the same version (S3 ETag / GCS generation / local mtime+size), and resumes an open
upload from the offset the store last acknowledged.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from liftshift.foundation.statedir import make_dirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS verified (
    src TEXT NOT NULL, dst TEXT NOT NULL, src_version TEXT NOT NULL, size INTEGER NOT NULL,
    dst_version TEXT NOT NULL, md5 BLOB, crc32c INTEGER, verified_at REAL NOT NULL,
    PRIMARY KEY (src, dst)
);
CREATE TABLE IF NOT EXISTS uploads (
    src TEXT NOT NULL, dst TEXT NOT NULL, src_version TEXT NOT NULL, size INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL, session TEXT NOT NULL, confirmed INTEGER NOT NULL,
    started_at REAL NOT NULL,
    PRIMARY KEY (src, dst)
);
"""
JOURNAL_NAME = "sync-journal.sqlite"


@dataclass(frozen=True)
class VerifiedRecord:
    src_version: str
    size: int
    dst_version: str
    md5: bytes | None
    crc32c: int | None


@dataclass(frozen=True)
class OpenUpload:
    src_version: str
    size: int
    chunk_size: int
    session: str
    confirmed: int


class Journal:
    """Thread-safe access to one journal file (one connection, one lock)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        make_dirs(self.path.parent)
        with contextlib.suppress(FileExistsError):  # 0600 from the start; sqlite's WAL follows
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> Journal:
        return cls(Path(state_dir) / JOURNAL_NAME)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def verified_under(self, src_base: str, dst_base: str) -> dict[tuple[str, str], VerifiedRecord]:
        """Every verified pair whose URIs start with the two bases (one query, not one per key)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT src, dst, src_version, size, dst_version, md5, crc32c FROM verified "
                "WHERE substr(src, 1, ?) = ? AND substr(dst, 1, ?) = ?",
                (len(src_base), src_base, len(dst_base), dst_base),
            ).fetchall()
        return {(r[0], r[1]): VerifiedRecord(r[2], r[3], r[4], r[5], r[6]) for r in rows}

    def record_verified(
        self,
        src: str,
        dst: str,
        *,
        src_version: str,
        size: int,
        dst_version: str,
        md5: bytes | None,
        crc32c: int | None,
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO verified VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (src, dst, src_version, size, dst_version, md5, crc32c, time.time()),
            )
            self._db.execute("DELETE FROM uploads WHERE src = ? AND dst = ?", (src, dst))

    def open_upload(self, src: str, dst: str) -> OpenUpload | None:
        with self._lock:
            row = self._db.execute(
                "SELECT src_version, size, chunk_size, session, confirmed FROM uploads "
                "WHERE src = ? AND dst = ?",
                (src, dst),
            ).fetchone()
        return OpenUpload(*row) if row else None

    def record_upload(
        self, src: str, dst: str, *, src_version: str, size: int, chunk_size: int, session: str
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (src, dst, src_version, size, chunk_size, session, time.time()),
            )

    def record_confirmed(self, src: str, dst: str, confirmed: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE uploads SET confirmed = ? WHERE src = ? AND dst = ?", (confirmed, src, dst)
            )

    def forget_upload(self, src: str, dst: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM uploads WHERE src = ? AND dst = ?", (src, dst))

    def open_uploads(self) -> list[tuple[str, str, OpenUpload]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT src, dst, src_version, size, chunk_size, session, confirmed FROM uploads"
            ).fetchall()
        return [(r[0], r[1], OpenUpload(*r[2:])) for r in rows]
