"""Hashes computed while streaming, and the checks against every hash either side offers.

The source side proves we read what S3 stores (single-part ETag = MD5; multipart ETag = MD5 of
the parts' MD5s + ``-N``, recomputed over part-size segments; full-object CRC32C when S3 holds
one). The destination side proves the store holds what we read (GCS ``md5Hash`` and ``crc32c``;
for a store that offers neither, we read the object back and hash it ourselves).
"""

from __future__ import annotations

import hashlib
import queue
import threading

import google_crc32c

from liftshift.foundation.storage import ObjectInfo, ObjectStore, StorageError

READ_BACK_CHUNK = 8 * 1024 * 1024


class VerificationError(StorageError):
    """The bytes do not match a hash one of the stores offers."""


class StreamHasher:
    """MD5 + CRC32C of a byte stream, plus per-part MD5s for recomputing a multipart ETag."""

    def __init__(self, part_size: int | None = None) -> None:
        self._md5 = hashlib.md5()
        self._crc = google_crc32c.Checksum()
        self.size = 0
        self.part_size = part_size
        self._part = hashlib.md5() if part_size else None
        self._part_fill = 0
        self._part_digests: list[bytes] = []

    def update(self, data: bytes) -> None:
        self._md5.update(data)
        self._crc.update(data)
        self.size += len(data)
        if self._part is None or self.part_size is None:
            return
        view = memoryview(data)
        while view:
            room = self.part_size - self._part_fill
            piece, view = view[:room], view[room:]
            self._part.update(piece)
            self._part_fill += len(piece)
            if self._part_fill == self.part_size:
                self._part_digests.append(self._part.digest())
                self._part, self._part_fill = hashlib.md5(), 0

    def copy(self) -> StreamHasher:
        """A snapshot to go back to when a chunk has to be sent again."""
        twin = StreamHasher.__new__(StreamHasher)
        twin._md5 = self._md5.copy()
        twin._crc = self._crc.copy()
        twin.size = self.size
        twin.part_size = self.part_size
        twin._part = self._part.copy() if self._part is not None else None
        twin._part_fill = self._part_fill
        twin._part_digests = list(self._part_digests)
        return twin

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    @property
    def crc32c(self) -> int:
        return int.from_bytes(self._crc.digest(), "big")

    def multipart_etag(self) -> str | None:
        if self._part is None:
            return None
        digests = list(self._part_digests)
        if self._part_fill:
            digests.append(self._part.digest())
        return f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}"


class BackgroundHasher:
    """A :class:`StreamHasher` fed on its own thread, so hashing overlaps the transfer.

    hashlib and google-crc32c release the GIL on large buffers: while this thread hashes block
    *n*, the copy thread is already sending it and reading block *n + 1*. Blocks are immutable
    ``bytes``, handed over without a copy; at most ``depth`` wait, so a slow hash slows the copy
    down rather than piling up memory. :meth:`settle` waits for every block handed over.
    """

    def __init__(self, hasher: StreamHasher, *, depth: int = 2) -> None:
        self._hasher = hasher
        self._blocks: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._blocks.get()) is not None:
            self._hasher.update(data)
            self._blocks.task_done()
        self._blocks.task_done()

    def update(self, data: bytes) -> None:
        self._blocks.put(data)

    def settle(self) -> StreamHasher:
        """The hasher, once every block handed over so far is in it."""
        self._blocks.join()
        return self._hasher

    def copy(self) -> StreamHasher:
        """A snapshot of everything handed over so far."""
        return self.settle().copy()

    def close(self) -> StreamHasher:
        """Stop the thread; returns the settled hasher."""
        if self._thread.is_alive():
            self._blocks.put(None)
            self._thread.join()
        return self._hasher


def check_source(info: ObjectInfo, hasher: StreamHasher, where: str) -> list[str]:
    """Checks passed on the source side; raises :class:`VerificationError` on a mismatch."""
    checks: list[str] = []
    if hasher.size != info.size:
        raise VerificationError(f"{where}: read {hasher.size} bytes, source says {info.size}")
    if info.md5 is not None:
        if hasher.md5 != info.md5:
            raise VerificationError(f"{where}: bytes read do not match the source MD5/ETag")
        checks.append("source-md5")
    elif info.parts and info.part_size and info.etag:
        expected_parts = -(-info.size // info.part_size) if info.size else 0
        if expected_parts == info.parts:
            if hasher.multipart_etag() != info.etag:
                raise VerificationError(f"{where}: bytes read do not match the multipart ETag")
            checks.append("source-multipart-etag")
    if info.crc32c is not None:
        if hasher.crc32c != info.crc32c:
            raise VerificationError(f"{where}: bytes read do not match the source CRC32C")
        checks.append("source-crc32c")
    return checks


def check_destination(
    info: ObjectInfo | None, hasher: StreamHasher, store: ObjectStore, key: str
) -> list[str]:
    """Checks passed on the destination side; reads the object back if it offers no hash."""
    where = store.uri(key)
    if info is None:
        raise VerificationError(f"{where}: destination object missing after upload")
    if info.size != hasher.size:
        raise VerificationError(f"{where}: destination holds {info.size} bytes, sent {hasher.size}")
    checks: list[str] = []
    if info.md5 is not None:
        if info.md5 != hasher.md5:
            raise VerificationError(f"{where}: destination MD5 differs from the bytes read")
        checks.append("destination-md5")
    if info.crc32c is not None:
        if info.crc32c != hasher.crc32c:
            raise VerificationError(f"{where}: destination CRC32C differs from the bytes read")
        checks.append("destination-crc32c")
    if not checks:
        again = StreamHasher()
        for start in range(0, info.size, READ_BACK_CHUNK):
            again.update(store.read(key, start, min(info.size, start + READ_BACK_CHUNK)))
        if again.md5 != hasher.md5:
            raise VerificationError(f"{where}: bytes read back differ from the bytes sent")
        checks.append("destination-read-back")
    return checks
