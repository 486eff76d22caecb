"""Google Cloud Storage through google-cloud-storage (or fake-gcs-server via settings).

Small objects go up in one multipart request carrying their MD5 so the server rejects a
corrupted body. Large ones use a resumable upload session: the session URL is what the sync
journal records, and chunks are PUT with ``Content-Range`` on the client's own authorised HTTP
session so a rerun can ask the server how much it already holds and continue from there.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any

from liftshift.foundation.storage.base import (
    AccessDenied,
    BucketNotFound,
    ObjectInfo,
    SizedReadable,
    StorageError,
    TransientError,
)

GCS_CHUNK_QUANTUM = 256 * 1024
"""Every resumable chunk but the last must be a multiple of 256 KiB."""
LIST_FIELDS = "items(name,size,md5Hash,crc32c,generation,contentType),nextPageToken"


def _b64_bytes(value: str | None) -> bytes | None:
    return base64.b64decode(value) if value else None


def _b64_int(value: str | None) -> int | None:
    return int.from_bytes(base64.b64decode(value), "big") if value else None


def translate(exc: BaseException, what: str) -> BaseException:
    """Map google-api-core / requests exceptions to ours."""
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth

    if isinstance(exc, api.NotFound):
        return BucketNotFound(f"{what}: bucket does not exist")
    if isinstance(exc, api.Forbidden | api.Unauthorized | auth.GoogleAuthError):
        return AccessDenied(f"{what}: access denied; check Google Cloud credentials")
    if isinstance(exc, api.TooManyRequests | api.ServerError | api.RetryError):
        return TransientError(f"{what}: {exc}")
    if isinstance(exc, _transport_errors()):
        return transport_error(exc, what)
    if isinstance(exc, api.GoogleAPICallError):
        return StorageError(f"{what}: {exc}")
    return exc


def transport_error(exc: BaseException, what: str) -> TransientError:
    """One clean line for a connection that dropped, timed out or was cut mid-answer."""
    import requests

    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return TransientError(f"{what}: connection cut while reading the answer")
    if isinstance(exc, requests.Timeout):
        return TransientError(f"{what}: request timed out")
    return TransientError(f"{what}: connection dropped")


def _transport_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def _status_error(status: int, what: str, body: str) -> StorageError:
    if status == 429 or status >= 500:
        return TransientError(f"{what}: HTTP {status}")
    if status in {401, 403}:
        return AccessDenied(f"{what}: access denied (HTTP {status})")
    return StorageError(f"{what}: HTTP {status}: {body[:200]}")


class GCSStore:
    """One GCS bucket."""

    scheme = "gs"
    preserves_metadata = True
    min_chunk = GCS_CHUNK_QUANTUM

    def __init__(self, client: Any, bucket: str, *, emulator: bool = False) -> None:
        self.client = client
        self.bucket = bucket
        self.emulator = emulator
        """fake-gcs-server finalises an upload on the standard status query (an empty PUT), so
        against it the offset confirmed by the last chunk (kept in the journal) is used."""
        self._bucket = client.bucket(bucket)
        _widen_pool(client)

    def uri(self, key: str = "") -> str:
        return f"gs://{self.bucket}/{key}"

    def _info(self, blob: Any) -> ObjectInfo:
        return ObjectInfo(
            key=blob.name,
            size=int(blob.size or 0),
            md5=_b64_bytes(blob.md5_hash),
            crc32c=_b64_int(blob.crc32c),
            version=str(blob.generation or ""),
            content_type=blob.content_type,
            metadata=dict(blob.metadata or {}),
        )

    def check_bucket(self) -> None:
        try:
            self.client.get_bucket(self.bucket)
        except Exception as exc:
            raise translate(exc, self.uri()) from exc

    def create_bucket(self) -> None:
        try:
            self.client.create_bucket(self.bucket)
        except Exception as exc:
            raise translate(exc, self.uri()) from exc

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        try:
            for blob in self.client.list_blobs(self.bucket, prefix=prefix or None):
                yield self._info(blob)
        except Exception as exc:
            raise translate(exc, self.uri(prefix)) from exc

    def list_shallow(self, prefix: str = "") -> tuple[list[ObjectInfo], list[str]]:
        try:
            listing = self.client.list_blobs(self.bucket, prefix=prefix or None, delimiter="/")
            objects = [self._info(blob) for blob in listing]
        except Exception as exc:
            raise translate(exc, self.uri(prefix)) from exc
        return objects, sorted(listing.prefixes)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            blob = self._bucket.get_blob(key)
        except Exception as exc:
            raise translate(exc, self.uri(key)) from exc
        return None if blob is None else self._info(blob)

    def get(self, key: str) -> tuple[ObjectInfo, bytes]:
        info = self.head(key)
        if info is None:
            raise StorageError(f"{self.uri(key)}: no such object")
        return info, self.read(key, 0, info.size)

    def read(self, key: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        try:
            return bytes(
                self._bucket.blob(key).download_as_bytes(
                    start=start, end=end - 1, raw_download=True, checksum=None
                )
            )
        except Exception as exc:
            raise translate(exc, self.uri(key)) from exc

    def open_stream(self, key: str, start: int = 0) -> RangeStream:
        info = self.head(key)
        if info is None:
            raise StorageError(f"{self.uri(key)}: no such object")
        return RangeStream(self, key, start, info.size)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        md5: bytes | None = None,
    ) -> ObjectInfo:
        blob = self._bucket.blob(key)
        if metadata:
            blob.metadata = dict(metadata)
        if md5 is not None:
            blob.md5_hash = base64.b64encode(md5).decode()
        try:
            blob.upload_from_string(
                data, content_type=content_type or "application/octet-stream", checksum=None
            )
        except Exception as exc:
            raise translate(exc, self.uri(key)) from exc
        info = self._info(blob)
        if md5 is not None and info.md5 is not None and info.md5 != md5:
            # Real GCS rejects a body that does not match md5Hash; emulators may not.
            self.delete(key)
            raise StorageError(f"{self.uri(key)}: stored body does not match its MD5")
        return info

    def start_upload(
        self,
        key: str,
        size: int,
        *,
        chunk_size: int,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> GCSUpload:
        if chunk_size % GCS_CHUNK_QUANTUM:
            raise ValueError("GCS resumable chunks must be a multiple of 256 KiB")
        blob = self._bucket.blob(key)
        if metadata:
            blob.metadata = dict(metadata)
        try:
            url = blob.create_resumable_upload_session(
                content_type=content_type or "application/octet-stream", size=size, checksum=None
            )
        except Exception as exc:
            raise translate(exc, self.uri(key)) from exc
        return GCSUpload(self, key, url, size)

    def resume_upload(
        self, key: str, session: str, size: int, *, chunk_size: int, confirmed: int = 0
    ) -> GCSUpload:
        return GCSUpload(self, key, session, size, confirmed=confirmed)

    def delete(self, key: str) -> None:
        try:
            self._bucket.blob(key).delete()
        except Exception as exc:
            from google.api_core import exceptions as api

            if isinstance(exc, api.NotFound):
                return
            raise translate(exc, self.uri(key)) from exc


class GCSUpload:
    """A resumable upload session (the protocol, spoken directly over the authorised session)."""

    def __init__(
        self, store: GCSStore, key: str, session: str, size: int, *, confirmed: int = 0
    ) -> None:
        self.store = store
        self.key = key
        self.session = session
        self.size = size
        self.confirmed = confirmed

    def _put(self, data: bytes | SizedReadable, content_range: str) -> Any:
        try:
            return self.store.client._http.put(
                self.session,
                data=data,
                headers={"Content-Range": content_range, "Content-Length": str(len(data))},
                timeout=(10, 300),
            )
        except _transport_errors() as exc:
            raise transport_error(exc, self.store.uri(self.key)) from exc

    def _finished(self, response: Any) -> ObjectInfo:
        item = response.json()
        return ObjectInfo(
            key=item["name"],
            size=int(item.get("size", 0)),
            md5=_b64_bytes(item.get("md5Hash")),
            crc32c=_b64_int(item.get("crc32c")),
            version=str(item.get("generation", "")),
            content_type=item.get("contentType"),
            metadata=dict(item.get("metadata") or {}),
        )

    @staticmethod
    def _range_end(response: Any) -> int:
        header = response.headers.get("Range", "")
        if not header.startswith("bytes="):
            return 0
        return int(header.rsplit("-", 1)[1]) + 1

    def committed(self) -> int | None:
        if self.store.emulator:
            return self.confirmed
        response = self._put(b"", f"bytes */{self.size}")
        if response.status_code == 308:
            return self._range_end(response)
        if response.status_code in {200, 201}:
            return self.size
        if response.status_code in {404, 410}:
            return None
        raise _status_error(response.status_code, self.store.uri(self.key), response.text)

    def write(self, offset: int, data: bytes | SizedReadable, *, last: bool) -> ObjectInfo | None:
        end = offset + len(data)
        if len(data):
            content_range = f"bytes {offset}-{end - 1}/{self.size if last else '*'}"
        else:
            content_range = f"bytes */{self.size}"
        response = self._put(data, content_range)
        if response.status_code in {200, 201}:
            return self._finished(response)
        if response.status_code == 308:
            received = self._range_end(response)
            if received != end:
                raise TransientError(
                    f"{self.store.uri(self.key)}: server kept {received} of {end} bytes"
                )
            if last:
                raise StorageError(f"{self.store.uri(self.key)}: upload not finalised")
            self.confirmed = received
            return None
        if response.status_code in {404, 410}:
            raise StorageError(f"{self.store.uri(self.key)}: upload session expired")
        raise _status_error(response.status_code, self.store.uri(self.key), response.text)

    def abort(self) -> None:
        try:
            self.store.client._http.delete(self.session, timeout=10)
        except Exception:  # best effort: an abandoned session expires after a week
            return


def _widen_pool(client: Any, size: int = 64) -> None:
    """google-auth's session keeps 10 connections per host; sync runs more workers."""
    import requests

    http = client._http
    if getattr(http, "_liftshift_pool", False):
        return
    adapter = requests.adapters.HTTPAdapter(pool_connections=size, pool_maxsize=size)
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    _settle_environment(client)
    http._liftshift_pool = True


def _settle_environment(client: Any) -> None:
    """Read the proxy and CA-bundle environment once, not on every request.

    requests re-reads them (walking all of ``os.environ``) per request when ``trust_env`` is
    set: a fifth of the CPU of each small-object upload. Every request of this session goes to
    the one storage endpoint, so resolving its proxies once gives the same answer.
    """
    import os

    import requests

    http = client._http
    if not getattr(http, "trust_env", False):
        return
    base = getattr(getattr(client, "_connection", None), "API_BASE_URL", None)
    if not isinstance(base, str):
        return
    for scheme, proxy in requests.utils.get_environ_proxies(base).items():
        http.proxies.setdefault(scheme, proxy)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and http.verify is True:
        http.verify = bundle
    http.trust_env = False


class RangeStream:
    """Sequential reads over ranged downloads (GCS as a source is the rare direction)."""

    def __init__(self, store: GCSStore, key: str, start: int, size: int) -> None:
        self.store = store
        self.key = key
        self.offset = start
        self.size = size

    def read(self, size: int) -> bytes:
        end = min(self.size, self.offset + size)
        data = self.store.read(self.key, self.offset, end) if end > self.offset else b""
        self.offset += len(data)
        return data

    def close(self) -> None:
        return
