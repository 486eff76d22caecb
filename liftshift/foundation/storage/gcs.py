"""Google Cloud Storage over its JSON API: an authorised ``requests`` session from google-auth
and google-resumable-media's uploads (or fake-gcs-server via settings).

google-cloud-storage is built on these same two libraries; speaking the JSON API through them
directly keeps auth, token refresh, upload protocol and checksums the libraries' own while
sparing every sync the client library's import and construction (about half a second of CPU
on a small machine, paid by every ``liftshift sync``).

Small objects go up in one multipart request carrying their MD5 (so the server rejects a
corrupted body). An object that fits in one upload chunk streams from the source into one
request as well (:class:`GCSSingleRequestUpload`). Larger ones use a resumable upload
session: the session URL is what the sync journal records, and chunks are PUT with
``Content-Range`` as they stream in, so a rerun can ask the server how much it already holds and
continue from there.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

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
PUBLIC_ENDPOINT = "https://storage.googleapis.com"
LIST_FIELDS = "items(name,size,md5Hash,crc32c,generation,contentType),prefixes,nextPageToken"
OBJECT_FIELDS = "name,size,md5Hash,crc32c,generation,contentType,metadata"
TIMEOUT = (10, 300)
"""Connect and read timeouts of every request (a 32 MiB chunk on a slow link takes a while)."""
POOL_SIZE = 64
"""Connections kept per host (requests keeps 10; sync runs more workers than that)."""


@dataclass(frozen=True)
class GCSConnection:
    """What every bucket of one configuration shares: the authorised session and endpoint."""

    session: Any
    """A ``google.auth.transport.requests.AuthorizedSession`` (thread-safe for requests)."""
    endpoint: str = PUBLIC_ENDPOINT
    """The JSON API's base URL (an emulator's under ``STORAGE_EMULATOR_HOST``)."""
    project: str = "liftshift-local"

    def url(self, path: str) -> str:
        return f"{self.endpoint}{path}"


def connect(credentials: Any, *, endpoint: str | None, project: str) -> GCSConnection:
    """An authorised session with a wide connection pool and its proxy environment settled."""
    import requests
    from google.auth.transport.requests import AuthorizedSession

    session = AuthorizedSession(credentials)
    adapter = requests.adapters.HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    base = (endpoint or PUBLIC_ENDPOINT).rstrip("/")
    _settle_environment(session, base)
    return GCSConnection(session, base, project)


def _settle_environment(session: Any, base: str) -> None:
    """Read the proxy and CA-bundle environment once, not on every request.

    requests re-reads them (walking all of ``os.environ``) per request when ``trust_env`` is
    set: a fifth of the CPU of each small-object upload. Every request of this session goes to
    the one storage endpoint, so resolving its proxies once gives the same answer.
    """
    import requests

    for scheme, proxy in requests.utils.get_environ_proxies(base).items():
        session.proxies.setdefault(scheme, proxy)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    # (a plain-HTTP endpoint, i.e. an emulator, verifies nothing: leaving ``verify`` alone
    # spares requests a stat of the bundle path on every request)
    if bundle and session.verify is True and base.startswith("https://"):
        session.verify = bundle
    session.trust_env = False


def _b64_bytes(value: str | None) -> bytes | None:
    return base64.b64decode(value) if value else None


def _b64_int(value: str | None) -> int | None:
    return int.from_bytes(base64.b64decode(value), "big") if value else None


def object_info(item: Mapping[str, Any]) -> ObjectInfo:
    """An ``ObjectInfo`` from a JSON API object resource."""
    return ObjectInfo(
        key=item["name"],
        size=int(item.get("size", 0)),
        md5=_b64_bytes(item.get("md5Hash")),
        crc32c=_b64_int(item.get("crc32c")),
        version=str(item.get("generation", "")),
        content_type=item.get("contentType"),
        metadata=dict(item.get("metadata") or {}),
    )


def _transport_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def transport_error(exc: BaseException, what: str) -> TransientError:
    """One clean line for a connection that dropped, timed out or was cut mid-answer."""
    import requests

    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return TransientError(f"{what}: connection cut while reading the answer")
    if isinstance(exc, requests.Timeout):
        return TransientError(f"{what}: request timed out")
    return TransientError(f"{what}: connection dropped")


def status_error(status: int, what: str, body: str = "") -> StorageError:
    if status == 429 or status >= 500:
        return TransientError(f"{what}: HTTP {status}")
    if status in {401, 403}:
        return AccessDenied(
            f"{what}: access denied (HTTP {status}); check Google Cloud credentials"
        )
    return StorageError(f"{what}: HTTP {status}: {body[:200]}".rstrip(": "))


def translate(exc: BaseException, what: str) -> BaseException:
    """Map requests / google-auth / google-resumable-media exceptions to ours."""
    from google.auth import exceptions as auth
    from google.resumable_media import common

    if isinstance(exc, auth.GoogleAuthError):
        return AccessDenied(f"{what}: access denied; check Google Cloud credentials")
    if isinstance(exc, common.DataCorruption):
        return StorageError(f"{what}: the server's checksum differs from the bytes sent")
    if isinstance(exc, common.InvalidResponse):
        response = exc.response
        return status_error(response.status_code, what, getattr(response, "text", ""))
    if isinstance(exc, _transport_errors()):
        return transport_error(exc, what)
    return exc


def _retry_strategy() -> Any:
    """google-resumable-media's own retry (429, 5xx, dropped connections) with a short budget:
    the sync's cancellable per-request and per-chunk retries stay the outer layer."""
    from google.resumable_media import common

    return common.RetryStrategy(max_retries=2, initial_delay=0.1, multiplier=2.0)


class GCSStore:
    """One GCS bucket."""

    scheme = "gs"
    preserves_metadata = True
    min_chunk = GCS_CHUNK_QUANTUM

    def __init__(self, connection: GCSConnection, bucket: str, *, emulator: bool = False) -> None:
        self.connection = connection
        self.session = connection.session
        self.bucket = bucket
        self.emulator = emulator
        """fake-gcs-server finalises an upload on the standard status query (an empty PUT), so
        against it the offset confirmed by the last chunk (kept in the journal) is used."""
        self._bucket_path = f"/storage/v1/b/{quote(bucket, safe='')}"

    def uri(self, key: str = "") -> str:
        return f"gs://{self.bucket}/{key}"

    def _object_url(self, key: str, *, download: bool = False) -> str:
        prefix = "/download" if download else ""
        return self.connection.url(f"{prefix}{self._bucket_path}/o/{quote(key, safe='')}")

    def _request(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        """One request; transport and auth failures become our exceptions."""
        try:
            return self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except Exception as exc:
            raise translate(exc, what) from exc

    def _json(self, method: str, url: str, what: str, **kwargs: Any) -> Any:
        """A JSON API call whose 404 means the bucket is missing."""
        response = self._request(method, url, what, **kwargs)
        if response.status_code == 404:
            raise BucketNotFound(f"{self.uri()}: bucket does not exist")
        if response.status_code >= 300:
            raise status_error(response.status_code, what, response.text)
        return response.json() if response.content else {}

    def check_bucket(self) -> None:
        self._json(
            "GET", self.connection.url(self._bucket_path), self.uri(), params={"fields": "name"}
        )

    def create_bucket(self) -> None:
        self._json(
            "POST",
            self.connection.url("/storage/v1/b"),
            self.uri(),
            params={"project": self.connection.project},
            json={"name": self.bucket},
        )

    def _pages(self, prefix: str, delimiter: str | None) -> Iterator[Mapping[str, Any]]:
        params: dict[str, str] = {"fields": LIST_FIELDS, "maxResults": "1000"}
        if prefix:
            params["prefix"] = prefix
        if delimiter:
            params["delimiter"] = delimiter
        url = self.connection.url(f"{self._bucket_path}/o")
        while True:
            page = self._json("GET", url, self.uri(prefix), params=params)
            yield page
            token = page.get("nextPageToken")
            if not token:
                return
            params["pageToken"] = token

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for page in self._pages(prefix, None):
            for item in page.get("items", ()):
                yield object_info(item)

    def list_shallow_pages(self, prefix: str = "") -> Iterator[tuple[list[ObjectInfo], list[str]]]:
        for page in self._pages(prefix, "/"):
            yield [object_info(item) for item in page.get("items", ())], page.get("prefixes", [])

    def head(self, key: str) -> ObjectInfo | None:
        url = self._object_url(key)
        response = self._request("GET", url, self.uri(key), params={"fields": OBJECT_FIELDS})
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise status_error(response.status_code, self.uri(key), response.text)
        return object_info(response.json())

    def get(self, key: str) -> tuple[ObjectInfo, bytes]:
        info = self.head(key)
        if info is None:
            raise StorageError(f"{self.uri(key)}: no such object")
        return info, self.read(key, 0, info.size)

    def _download(self, key: str, start: int, end: int | None, *, stream: bool) -> Any:
        headers = {"Range": f"bytes={start}-{'' if end is None else end - 1}"}
        # identity: the bytes hashed must be the bytes stored, not a decompressed variant
        headers["Accept-Encoding"] = "identity"
        url = self._object_url(key, download=True)
        response = self._request(
            "GET", url, self.uri(key), params={"alt": "media"}, headers=headers, stream=stream
        )
        if response.status_code == 404:
            response.close()
            raise StorageError(f"{self.uri(key)}: no such object")
        if response.status_code >= 300:
            response.close()
            raise status_error(response.status_code, self.uri(key), "")
        return response

    def read(self, key: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        response = self._download(key, start, end, stream=False)
        return bytes(response.content)

    def open_stream(self, key: str, start: int = 0) -> DownloadStream:
        return DownloadStream(self._download(key, start, None, stream=True), self.uri(key))

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        md5: bytes | None = None,
    ) -> ObjectInfo:
        from google.resumable_media.requests import MultipartUpload

        resource: dict[str, Any] = {"name": key}
        if metadata:
            resource["metadata"] = dict(metadata)
        if md5 is not None:
            resource["md5Hash"] = base64.b64encode(md5).decode()
        upload = MultipartUpload(
            self.connection.url(f"/upload{self._bucket_path}/o?uploadType=multipart")
        )
        upload._retry_strategy = _retry_strategy()  # as google-cloud-storage sets it
        try:
            response = upload.transmit(
                self.session,
                data,
                resource,
                content_type or "application/octet-stream",
                timeout=TIMEOUT,
            )
        except Exception as exc:
            raise self._upload_error(exc, key) from exc
        info = object_info(response.json())
        if md5 is not None and info.md5 is not None and info.md5 != md5:
            # Real GCS rejects a body that does not match md5Hash; emulators may not.
            self.delete(key)
            raise StorageError(f"{self.uri(key)}: stored body does not match its MD5")
        return info

    def _upload_error(self, exc: BaseException, key: str) -> BaseException:
        from google.resumable_media import common

        if isinstance(exc, common.InvalidResponse) and exc.response.status_code == 404:
            return BucketNotFound(f"{self.uri()}: bucket does not exist")
        return translate(exc, self.uri(key))

    def start_upload(
        self,
        key: str,
        size: int,
        *,
        chunk_size: int,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> GCSUpload | GCSSingleRequestUpload:
        """A resumable session, or one streamed request when the whole object fits in one
        chunk (see :class:`GCSSingleRequestUpload`)."""
        if chunk_size % GCS_CHUNK_QUANTUM:
            raise ValueError("GCS resumable chunks must be a multiple of 256 KiB")
        if size <= chunk_size:
            return GCSSingleRequestUpload(self, key, size, content_type, metadata)
        from google.resumable_media.requests import ResumableUpload

        resource: dict[str, Any] = {"name": key}
        if metadata:
            resource["metadata"] = dict(metadata)
        upload = ResumableUpload(
            self.connection.url(f"/upload{self._bucket_path}/o?uploadType=resumable"), chunk_size
        )
        upload._retry_strategy = _retry_strategy()
        try:
            # The body streams later (see GCSUpload.write); initiating only needs a position.
            upload.initiate(
                self.session,
                _Unread(),
                resource,
                content_type or "application/octet-stream",
                total_bytes=size,
                timeout=TIMEOUT,
            )
        except Exception as exc:
            raise self._upload_error(exc, key) from exc
        return GCSUpload(self, key, upload.resumable_url, size)

    def resume_upload(
        self, key: str, session: str, size: int, *, chunk_size: int, confirmed: int = 0
    ) -> GCSUpload:
        return GCSUpload(self, key, session, size, confirmed=confirmed)

    def delete(self, key: str) -> None:
        response = self._request("DELETE", self._object_url(key), self.uri(key))
        if response.status_code == 404 or response.status_code < 300:
            return
        raise status_error(response.status_code, self.uri(key), response.text)


class _Unread:
    """The stream handed to ``ResumableUpload.initiate``: at position 0, never read (the
    chunks are sent by :class:`GCSUpload` as they stream from the source)."""

    def tell(self) -> int:
        return 0


class GCSUpload:
    """A resumable upload session: chunks are PUT as they stream, with ``Content-Range``, and
    the server's 308 ``Range`` answer is the acknowledged offset."""

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
            return self.store.session.put(
                self.session,
                data=data,
                headers={"Content-Range": content_range, "Content-Length": str(len(data))},
                timeout=TIMEOUT,
            )
        except Exception as exc:
            raise translate(exc, self.store.uri(self.key)) from exc

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
        raise status_error(response.status_code, self.store.uri(self.key), response.text)

    def write(self, offset: int, data: bytes | SizedReadable, *, last: bool) -> ObjectInfo | None:
        end = offset + len(data)
        if len(data):
            content_range = f"bytes {offset}-{end - 1}/{self.size if last else '*'}"
        else:
            content_range = f"bytes */{self.size}"
        response = self._put(data, content_range)
        if response.status_code in {200, 201}:
            return object_info(response.json())
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
        raise status_error(response.status_code, self.store.uri(self.key), response.text)

    def abort(self) -> None:
        try:
            self.store.session.delete(self.session, timeout=10)
        except Exception:  # best effort: an abandoned session expires after a week
            return


class GCSSingleRequestUpload:
    """An object that fits in one chunk, streamed from the source into one request.

    An object without custom metadata goes up as a media upload (the bytes are the body, the
    content type its header, the name a query parameter); one with metadata needs the
    multipart form, whose first part is the object resource. Both are one request to GCS. The
    media form spares the server the multipart parse: fake-gcs-server hashes a multipart body
    once more than a media one, and on 20 x 32 MiB took 2.3 instead of 3.2 CPU-seconds.

    A resumable session for a single chunk costs an extra round trip, and fake-gcs-server
    spends about twice the CPU on a resumable upload as on a multipart one (measured: 5.4-8.4 s
    vs 2.8-3.3 s per 20 x 32 MiB), CPU taken from the sync on a small machine. What it would buy
    is resuming inside that one chunk after a crash; re-sending at most one chunk is the same
    price the resumable path pays for a chunk cut short. ``session`` is empty: there is nothing
    to record or resume, and a failed request is simply sent again.
    """

    session = ""

    def __init__(
        self,
        store: GCSStore,
        key: str,
        size: int,
        content_type: str | None,
        metadata: Mapping[str, str] | None,
    ) -> None:
        self.store = store
        self.key = key
        self.size = size
        resource: dict[str, Any] = {"name": key}
        if metadata:
            resource["metadata"] = dict(metadata)
        self.resource = resource
        self.content_type = content_type or "application/octet-stream"

    def committed(self) -> int | None:
        return None

    def write(self, offset: int, data: bytes | SizedReadable, *, last: bool) -> ObjectInfo | None:
        if offset or not last or len(data) != self.size:
            raise ValueError("a single-request upload sends the whole object at once")
        url = self.store.connection.url(f"/upload{self.store._bucket_path}/o")
        body: bytes | SizedReadable = data
        params = {"uploadType": "media", "name": self.key}
        content_type = self.content_type
        if "metadata" in self.resource:  # only the multipart form carries custom metadata
            multipart = MultipartBody(self.resource, self.content_type, data)
            body, params, content_type = (
                multipart,
                {"uploadType": "multipart"},
                multipart.content_type,
            )
        created = self.store._json(
            "POST",
            url,
            self.store.uri(self.key),
            params=params,
            data=body,
            headers={"Content-Type": content_type, "Content-Length": str(len(body))},
        )
        return object_info(created)

    def abort(self) -> None:
        return  # nothing was created before the request, and a failed request stores nothing


class MultipartBody:
    """A ``multipart/related`` request body (the object resource as JSON, then the media)
    whose media part is read from ``media`` while the request is sent, so the object never
    sits in memory whole. The boundary is random; should the media ever contain it, the server
    stores a truncated object and the hash checks after the upload catch it."""

    def __init__(
        self, resource: Mapping[str, Any], media_type: str, media: bytes | SizedReadable
    ) -> None:
        boundary = f"==liftshift-{os.urandom(16).hex()}=="
        self.content_type = f'multipart/related; boundary="{boundary}"'
        self._head = (
            f"--{boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(resource)}\r\n--{boundary}\r\ncontent-type: {media_type}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._media = media
        self._media_left = len(media)
        self._length = len(self._head) + len(media) + len(self._tail)

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        if self._media_left > 0:
            if isinstance(self._media, bytes):
                data, self._media = self._media, b""
            else:
                data = self._media.read(size)
            if not data:
                raise TransientError("source ended before the object was complete")
            self._media_left -= len(data)
            return data
        tail, self._tail = self._tail, b""
        return tail


class DownloadStream:
    """One streamed ``alt=media`` GET; read errors become :class:`TransientError`."""

    def __init__(self, response: Any, where: str) -> None:
        self.response = response
        self.where = where

    def read(self, size: int) -> bytes:
        try:
            return bytes(self.response.raw.read(size))
        except Exception as exc:
            raise TransientError(f"{self.where}: connection cut while reading the object") from exc

    def close(self) -> None:
        try:
            self.response.close()
        except Exception:  # closing a broken connection may fail again; nothing to keep
            return
