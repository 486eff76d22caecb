"""The ``local`` target's object stores: buckets as folders, no account and no network.

``s3://b/k`` lives at ``<root>/s3/b/k`` and ``gs://b/k`` at ``<root>/gcs/b/k``
(:attr:`Settings.local_storage_root`). A key maps to a file path one to one, so a key that would
land outside its bucket folder (``../``, an absolute path) or that names a folder (``dir/``) is
refused rather than written somewhere surprising. Partial uploads live in ``<root>/.uploads`` and
are renamed into place only when complete, so a crash never leaves half a file under a key.
Local files keep no content type or user metadata; hashes are computed by reading the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from liftshift.foundation.statedir import make_dirs, make_private
from liftshift.foundation.storage.base import (
    BucketNotFound,
    ObjectInfo,
    SizedReadable,
    StorageError,
    UnsafeKey,
)

FOLDERS = {"s3": "s3", "gs": "gcs"}
UPLOADS = ".uploads"
READ_BLOCK = 1024 * 1024


def file_hashes(path: Path) -> tuple[bytes, int]:
    """MD5 and CRC32C of a file, read in 1 MiB blocks."""
    import google_crc32c

    md5 = hashlib.md5()
    crc = google_crc32c.Checksum()
    with path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            md5.update(block)
            crc.update(block)
    return md5.digest(), int.from_bytes(crc.digest(), "big")


class LocalStore:
    """One bucket folder of the local target."""

    preserves_metadata = False
    min_chunk = 1

    def __init__(self, root: Path, scheme: str, bucket: str) -> None:
        if scheme not in FOLDERS:
            raise ValueError(f"unknown scheme {scheme!r}")
        if not bucket or bucket in {".", ".."} or "/" in bucket or "\\" in bucket:
            raise UnsafeKey(f"{bucket!r} is not a bucket name")
        self.root = Path(root)
        self.scheme = scheme
        self.bucket = bucket
        self.folder = self.root / FOLDERS[scheme] / bucket

    def uri(self, key: str = "") -> str:
        return f"{self.scheme}://{self.bucket}/{key}"

    def path(self, key: str) -> Path:
        """The file for ``key``; raises :class:`UnsafeKey` if it would leave the bucket."""
        parts = key.split("/")
        if (
            not key
            or key.endswith("/")
            or key.startswith("/")
            or "\x00" in key
            or any(part in {"", ".", ".."} for part in parts)
        ):
            raise UnsafeKey(f"{self.uri(key)}: key cannot be stored as a file under {self.folder}")
        path = self.folder.joinpath(*parts)
        folder = os.path.realpath(self.folder)
        if os.path.commonpath([folder, os.path.realpath(path)]) != folder:
            raise UnsafeKey(f"{self.uri(key)}: key escapes {self.folder}")
        return path

    def check_bucket(self) -> None:
        if not self.folder.is_dir():
            raise BucketNotFound(
                f"{self.uri()}: bucket does not exist on the local target (no folder "
                f"{self.folder}); fill it with `liftshift local seed {self.uri()}PREFIX "
                "FOLDER`, or set sample_data for the channel in liftshift.toml"
            )

    def create_bucket(self) -> None:
        make_dirs(self.folder)

    def _describe(self, key: str, path: Path, *, hashes: bool = True) -> ObjectInfo:
        stat = path.stat()
        md5, crc = file_hashes(path) if hashes else (None, None)
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            md5=md5,
            crc32c=crc,
            version=f"{stat.st_mtime_ns}:{stat.st_size}",
            content_type=mimetypes.guess_type(key)[0] or "application/octet-stream",
        )

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self.check_bucket()
        keys: list[tuple[str, Path]] = []
        for directory, _dirs, files in os.walk(self.folder):
            relative = Path(directory).relative_to(self.folder).as_posix()
            for name in files:
                if name.startswith(".liftshift-"):
                    continue
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix):
                    keys.append((key, Path(directory) / name))
        for key, path in sorted(keys):
            yield self._describe(key, path)

    def list_shallow_pages(self, prefix: str = "") -> Iterator[tuple[list[ObjectInfo], list[str]]]:
        """One page: a local folder is listed whole anyway."""
        objects: list[ObjectInfo] = []
        prefixes: set[str] = set()
        for info in self.list(prefix):
            rest = info.key[len(prefix) :]
            if "/" in rest:
                prefixes.add(prefix + rest.split("/", 1)[0] + "/")
            else:
                objects.append(info)
        yield objects, sorted(prefixes)

    def head(self, key: str) -> ObjectInfo | None:
        path = self.path(key)
        return self._describe(key, path) if path.is_file() else None

    def get(self, key: str) -> tuple[ObjectInfo, bytes]:
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"{self.uri(key)}: no such object") from exc
        return self._describe(key, path), data

    def read(self, key: str, start: int, end: int) -> bytes:
        with self.path(key).open("rb") as handle:
            handle.seek(start)
            return handle.read(max(0, end - start))

    def open_stream(self, key: str, start: int = 0) -> BinaryIO:
        try:
            handle = self.path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"{self.uri(key)}: no such object") from exc
        handle.seek(start)
        return handle

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        md5: bytes | None = None,
    ) -> ObjectInfo:
        path = self.path(key)
        if md5 is not None and hashlib.md5(data).digest() != md5:
            raise StorageError(f"{self.uri(key)}: body does not match its MD5")
        self.check_bucket()
        make_dirs(path.parent)
        temp = path.parent / f".liftshift-{uuid.uuid4().hex}"
        try:
            temp.write_bytes(data)
            make_private(temp)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return self._describe(key, path)

    def start_upload(
        self,
        key: str,
        size: int,
        *,
        chunk_size: int,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> LocalUpload:
        self.path(key)
        self.check_bucket()
        uploads = self.root / UPLOADS
        make_dirs(uploads)
        session = f"{uuid.uuid4().hex}.part"
        (uploads / session).touch()
        make_private(uploads / session)
        return LocalUpload(self, key, session)

    def resume_upload(
        self, key: str, session: str, size: int, *, chunk_size: int, confirmed: int = 0
    ) -> LocalUpload:
        if "/" in session or session.startswith("."):
            raise UnsafeKey(f"bad upload session {session!r}")
        return LocalUpload(self, key, session)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()


class LocalUpload:
    """A partial file in ``<root>/.uploads``; what is on disk (fsynced) is what is committed."""

    def __init__(self, store: LocalStore, key: str, session: str) -> None:
        self.store = store
        self.key = key
        self.session = session
        self.partial = store.root / UPLOADS / session

    def committed(self) -> int | None:
        try:
            return self.partial.stat().st_size
        except FileNotFoundError:
            return None

    def write(self, offset: int, data: bytes | SizedReadable, *, last: bool) -> ObjectInfo | None:
        try:
            with self.partial.open("r+b") as handle:
                handle.truncate(offset)
                handle.seek(offset)
                if isinstance(data, bytes):
                    handle.write(data)
                else:
                    while block := data.read(READ_BLOCK):
                        handle.write(block)
                handle.flush()
                os.fsync(handle.fileno())
        except FileNotFoundError as exc:
            raise StorageError(f"{self.store.uri(self.key)}: upload session expired") from exc
        if not last:
            return None
        path = self.store.path(self.key)
        make_dirs(path.parent)
        os.replace(self.partial, path)
        return self.store._describe(self.key, path)

    def abort(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()
