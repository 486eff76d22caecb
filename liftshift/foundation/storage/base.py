"""The ``ObjectStore`` port: what sync needs from S3, GCS and the local target's folders.

It is deliberately small. Sync lists, reads whole small objects or byte ranges of large ones,
writes small objects in one request and large ones through a resumable upload whose session id
survives a crash (so a rerun continues a half-uploaded object instead of starting again).
Adapters translate their SDK's errors into the few exceptions below so the core can tell "the
bucket is missing" from "try again" without importing any SDK.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class StorageError(Exception):
    """A storage call failed in a way that retrying will not fix."""


class BucketNotFound(StorageError):
    """The bucket does not exist (or is not visible with these credentials)."""


class AccessDenied(StorageError):
    """Credentials are missing, wrong or lack permission."""


class UnsafeKey(StorageError):
    """A key that cannot be stored safely (escapes the destination folder, or is a folder)."""


class TransientError(StorageError):
    """Throttling, a 5xx or a dropped connection: worth retrying with backoff."""


@dataclass(frozen=True)
class ObjectInfo:
    """One object as a store describes it. Hashes are ``None`` when the store does not know
    them; they are never guessed (a multipart S3 ETag is not an MD5)."""

    key: str
    size: int
    md5: bytes | None = None
    """Content MD5 (16 bytes): S3 single-part non-KMS ETag, GCS ``md5Hash``, local file."""
    crc32c: int | None = None
    """Whole-object CRC32C: GCS ``crc32c``, S3 full-object ``ChecksumCRC32C``, local file."""
    etag: str | None = None
    """The S3 ETag as stored, unquoted (multipart: ``<hex>-<parts>``)."""
    parts: int | None = None
    """Number of parts of a multipart S3 object."""
    part_size: int | None = None
    """Size of part 1 of a multipart S3 object (only from :meth:`ObjectStore.head`)."""
    version: str = ""
    """What identifies this exact content in the store (ETag, generation, mtime+size)."""
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class Readable(Protocol):
    """A sequential byte stream (an HTTP response body or a file)."""

    def read(self, size: int) -> bytes: ...

    def close(self) -> None: ...


class SizedReadable(Protocol):
    """An upload chunk produced while it is sent (see :mod:`liftshift.sync.pipe`)."""

    def __len__(self) -> int: ...

    def read(self, size: int = -1) -> bytes: ...

    def read_all(self) -> bytes: ...


@runtime_checkable
class Upload(Protocol):
    """A resumable upload of one object, written in order, chunk by chunk."""

    session: str
    """Opaque id to record in the journal and hand back to :meth:`ObjectStore.resume_upload`."""

    def committed(self) -> int | None:
        """Bytes the store has durably received, or ``None`` if the session is gone."""
        ...

    def write(self, offset: int, data: bytes | SizedReadable, *, last: bool) -> ObjectInfo | None:
        """Send ``data`` at ``offset``; the ``last`` chunk finalises and returns the object.
        ``data`` may be a sized readable that is filled while it is sent."""
        ...

    def abort(self) -> None: ...


@runtime_checkable
class ObjectStore(Protocol):
    """One bucket of one store."""

    scheme: str
    """``s3`` or ``gs``: the URI scheme this store answers to."""
    bucket: str
    preserves_metadata: bool
    """Whether content type and user metadata survive a round trip."""
    min_chunk: int
    """Smallest chunk a resumable upload accepts (all but the last chunk)."""

    def uri(self, key: str = "") -> str: ...

    def check_bucket(self) -> None:
        """Raise :class:`BucketNotFound` or :class:`AccessDenied`; return if usable."""
        ...

    def create_bucket(self) -> None: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under ``prefix``, paginated lazily, in key order."""
        ...

    def list_shallow_pages(self, prefix: str = "") -> Iterator[tuple[list[ObjectInfo], list[str]]]:
        """One level under ``prefix``, one page at a time: the objects there and the
        sub-prefixes (ending in ``/``), so a big listing can fan out over sub-prefixes in
        parallel and a flat folder of a million objects is never held in memory at once."""
        ...

    def head(self, key: str) -> ObjectInfo | None:
        """Full description (content type, metadata, checksums) or ``None`` if missing."""
        ...

    def get(self, key: str) -> tuple[ObjectInfo, bytes]:
        """A whole (small) object and its description in one request."""
        ...

    def read(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of an object."""
        ...

    def open_stream(self, key: str, start: int = 0) -> Readable:
        """The object from byte ``start`` to its end as one sequential stream (one request:
        cheaper than many ranged GETs for the server and for us)."""
        ...

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        md5: bytes | None = None,
    ) -> ObjectInfo:
        """Write a small object in one request; ``md5`` lets the server reject corruption."""
        ...

    def start_upload(
        self,
        key: str,
        size: int,
        *,
        chunk_size: int,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Upload: ...

    def resume_upload(
        self, key: str, session: str, size: int, *, chunk_size: int, confirmed: int = 0
    ) -> Upload:
        """Reattach to an upload; ``confirmed`` is the offset the journal last saw acknowledged
        (used only by stores that cannot be asked, i.e. fake-gcs-server)."""
        ...

    def delete(self, key: str) -> None: ...


def list_shallow(store: ObjectStore, prefix: str = "") -> tuple[list[ObjectInfo], list[str]]:
    """:meth:`ObjectStore.list_shallow_pages` gathered: the objects one level under
    ``prefix`` and its sub-prefixes, sorted (for a small folder: a hint, a check)."""
    objects: list[ObjectInfo] = []
    prefixes: list[str] = []
    for page_objects, page_prefixes in store.list_shallow_pages(prefix):
        objects.extend(page_objects)
        prefixes.extend(page_prefixes)
    return objects, sorted(prefixes)
