"""The sync journal: what was verified, and which resumable uploads are open.

A SQLite file under ``.liftshift/`` survives ``kill -9``: every row is committed as soon as the
fact it records is true (an object verified, a chunk acknowledged), in WAL mode so that costs a
few microseconds, not an fsync per object. A rerun trusts a "verified" row only while both sides
still show the same version (S3 ETag / GCS generation / local mtime+size), and resumes an open
upload from the offset the store last acknowledged.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from liftshift.foundation.statedir import make_dirs
from liftshift.foundation.storage import StorageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS verified (
    src TEXT NOT NULL, dst TEXT NOT NULL, src_version TEXT NOT NULL, size INTEGER NOT NULL,
    dst_version TEXT NOT NULL, md5 BLOB, crc32c INTEGER, verified_at REAL NOT NULL,
    checks TEXT NOT NULL DEFAULT '',
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
PROBE_BYTES = 256 * 1024
"""Room the journal must have before a sync starts: the write-ahead log grows by a page or two
per verified object until it is checkpointed."""


class JournalError(StorageError):
    """The journal cannot be written (a read-only or full folder). Copying stops: an object
    copied but not recorded would be copied again by the rerun, but the user must fix the
    folder first, and repeating the same error for every object helps nobody."""


def _cause(exc: BaseException) -> str:
    """The reason in the user's words: read-only, full, or what the system said."""
    number = getattr(exc, "errno", None)
    if number == errno.EROFS:
        return "the file system is read-only"
    if number in {errno.EACCES, errno.EPERM}:
        return "permission denied"
    if number in {errno.ENOSPC, errno.EDQUOT}:
        return "no space left on the device"
    text = str(exc).lower()
    if "full" in text:
        return "no space left on the device"
    if "readonly" in text or "read-only" in text:
        return "the folder is read-only"
    return getattr(exc, "strerror", None) or str(exc)


def journal_error(folder: Path, exc: BaseException) -> JournalError:
    return JournalError(
        f"cannot write the sync journal in {folder}: {_cause(exc)} "
        "(free space or make the folder writable, then rerun to resume)"
    )


def check_writable(folder: Path, size: int = PROBE_BYTES) -> None:
    """Create ``folder`` and write (then remove) a probe file of ``size`` bytes, so a
    read-only or nearly full folder is found before anything is copied."""
    probe = folder / f".write-probe-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as handle:
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise journal_error(folder, exc) from exc
    finally:
        with suppress(OSError):  # on a read-only file system even a missing file says EROFS
            probe.unlink(missing_ok=True)


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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(verified)")}
            if "checks" not in columns:  # a journal written before checks were recorded
                self._db.execute("ALTER TABLE verified ADD COLUMN checks TEXT NOT NULL DEFAULT ''")
        except (OSError, sqlite3.Error) as exc:
            raise journal_error(self.path.parent, exc) from exc

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> Journal:
        return cls(Path(state_dir) / JOURNAL_NAME)

    @classmethod
    def for_writing(cls, state_dir: Path) -> Journal:
        """The journal a sync records into, after checking its folder can take writes."""
        check_writable(Path(state_dir))
        return cls.for_state_dir(state_dir)

    @contextmanager
    def _session(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, with SQLite's errors as one :class:`JournalError`."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise journal_error(self.path.parent, exc) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def verified_under(self, src_base: str, dst_base: str) -> dict[tuple[str, str], VerifiedRecord]:
        """Every verified pair whose URIs start with the two bases (one query, not one per key)."""
        with self._session() as db:
            rows = db.execute(
                "SELECT src, dst, src_version, size, dst_version, md5, crc32c FROM verified "
                "WHERE substr(src, 1, ?) = ? AND substr(dst, 1, ?) = ?",
                (len(src_base), src_base, len(dst_base), dst_base),
            ).fetchall()
        return {(r[0], r[1]): VerifiedRecord(r[2], r[3], r[4], r[5], r[6]) for r in rows}

    def verified_pages_under(
        self, src_base: str, dst_base: str, *, size: int = 1000
    ) -> Iterator[list[tuple[str, str, str, int, str]]]:
        """The same pairs as :meth:`verified_under`, as ``(src, dst, src_version, size,
        dst_version)`` rows ``size`` at a time, so a big journal is never held in memory."""
        with self._session() as db:
            cursor = db.execute(
                "SELECT src, dst, src_version, size, dst_version FROM verified "
                "WHERE substr(src, 1, ?) = ? AND substr(dst, 1, ?) = ?",
                (len(src_base), src_base, len(dst_base), dst_base),
            )
            while rows := cursor.fetchmany(size):
                yield rows

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
        checks: tuple[str, ...] = (),
    ) -> None:
        """The proof that ``src`` was copied to ``dst``: versions, hashes, and the checks that
        passed (the per-object detail a sync result does not keep in memory)."""
        with self._session() as db:
            # one transaction, one commit: the proof and the end of its upload land together
            db.execute("BEGIN")
            try:
                db.execute(
                    "INSERT OR REPLACE INTO verified (src, dst, src_version, size, dst_version, "
                    "md5, crc32c, verified_at, checks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        src,
                        dst,
                        src_version,
                        size,
                        dst_version,
                        md5,
                        crc32c,
                        time.time(),
                        ",".join(checks),
                    ),
                )
                db.execute("DELETE FROM uploads WHERE src = ? AND dst = ?", (src, dst))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def checks(self, src: str, dst: str) -> tuple[str, ...] | None:
        """The checks recorded when ``src`` was last verified at ``dst`` (``None``: never)."""
        with self._session() as db:
            row = db.execute(
                "SELECT checks FROM verified WHERE src = ? AND dst = ?", (src, dst)
            ).fetchone()
        if row is None:
            return None
        return tuple(row[0].split(",")) if row[0] else ()

    def open_upload(self, src: str, dst: str) -> OpenUpload | None:
        with self._session() as db:
            row = db.execute(
                "SELECT src_version, size, chunk_size, session, confirmed FROM uploads "
                "WHERE src = ? AND dst = ?",
                (src, dst),
            ).fetchone()
        return OpenUpload(*row) if row else None

    def record_upload(
        self, src: str, dst: str, *, src_version: str, size: int, chunk_size: int, session: str
    ) -> None:
        with self._session() as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (src, dst, src_version, size, chunk_size, session, time.time()),
            )

    def record_confirmed(self, src: str, dst: str, confirmed: int) -> None:
        with self._session() as db:
            db.execute(
                "UPDATE uploads SET confirmed = ? WHERE src = ? AND dst = ?", (confirmed, src, dst)
            )

    def forget_upload(self, src: str, dst: str) -> None:
        with self._session() as db:
            db.execute("DELETE FROM uploads WHERE src = ? AND dst = ?", (src, dst))

    def open_uploads(self) -> list[tuple[str, str, OpenUpload]]:
        with self._session() as db:
            rows = db.execute(
                "SELECT src, dst, src_version, size, chunk_size, session, confirmed FROM uploads"
            ).fetchall()
        return [(r[0], r[1], OpenUpload(*r[2:])) for r in rows]
