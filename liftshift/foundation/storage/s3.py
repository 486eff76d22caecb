"""S3 through boto3 (any S3-compatible endpoint: AWS, moto, MinIO...).

boto3 is imported by :mod:`liftshift.foundation.clients`, never here at module level. Its own
retry mode already backs off on throttling and 5xx; what still escapes is translated to
:class:`TransientError` so the sync's per-object retry can take over.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from liftshift.foundation.storage.base import (
    AccessDenied,
    BucketNotFound,
    ObjectInfo,
    SizedReadable,
    StorageError,
    TransientError,
)

MIN_PART = 5 * 1024 * 1024
ACCESS_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AllAccessDisabled",
    "403",
}
TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "503",
    "500",
    "502",
    "504",
}


def _unquote(etag: str | None) -> str | None:
    return etag.strip('"') if etag else None


def _etag_md5(etag: str | None, encryption: str | None = None) -> bytes | None:
    """The MD5 an ETag stands for: only single-part, non-KMS objects have one."""
    if not etag or "-" in etag or len(etag) != 32 or encryption in {"aws:kms", "aws:kms:dsse"}:
        return None
    try:
        return bytes.fromhex(etag)
    except ValueError:
        return None


def _parts(etag: str | None) -> int | None:
    if etag and "-" in etag:
        tail = etag.rsplit("-", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None


def _crc32c(value: str | None, checksum_type: str | None) -> int | None:
    """A whole-object CRC32C; composite multipart checksums (``...-N``) are not one."""
    if not value or "-" in value or checksum_type == "COMPOSITE":
        return None
    return int.from_bytes(base64.b64decode(value), "big")


def _timestamp(value: str) -> datetime:
    """S3's timestamps (ISO 8601 in listings, RFC 1123 in headers) parsed directly: botocore's
    default goes through dateutil's generic parser, which was a third of the CPU of listing a
    1,000-key page. Anything unusual still goes to botocore's parser."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        from botocore.utils import parse_timestamp

        return parse_timestamp(value)


def _fast_timestamps(client: Any) -> None:
    """Give this client's response parsers :func:`_timestamp` (each client builds its own
    parser factory, so no other client is affected)."""
    factory = getattr(getattr(client, "_endpoint", None), "_response_parser_factory", None)
    if factory is not None and hasattr(factory, "set_parser_defaults"):
        factory.set_parser_defaults(timestamp_parser=_timestamp)


def translate(exc: BaseException, what: str) -> BaseException:
    """Map a botocore exception to ours (or return it unchanged if it is a bug)."""
    from botocore.exceptions import (
        ClientError,
        FlexibleChecksumError,
        HTTPClientError,
        IncompleteReadError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
        ResponseStreamingError,
    )
    from botocore.exceptions import (
        ConnectionError as BotoConnectionError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return AccessDenied(f"{what}: no AWS credentials (set AWS_PROFILE or AWS_ACCESS_KEY_ID)")
    if isinstance(exc, FlexibleChecksumError):
        return TransientError(f"{what}: answer failed its checksum (corrupted in transit)")
    if isinstance(exc, IncompleteReadError | ResponseStreamingError):
        return TransientError(f"{what}: connection cut while reading the object")
    if isinstance(exc, ReadTimeoutError):
        return TransientError(f"{what}: request timed out")
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return TransientError(f"{what}: connection dropped")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in {"NoSuchBucket"}:
            return BucketNotFound(f"{what}: bucket does not exist")
        if code in ACCESS_CODES or status == 403:
            return AccessDenied(f"{what}: access denied ({code or status}); check AWS credentials")
        if code in TRANSIENT_CODES or status == 429 or status >= 500:
            return TransientError(f"{what}: {code or status}")
        return StorageError(f"{what}: {code or status}: {error.get('Message', '')}".rstrip(": "))
    return exc


class S3Store:
    """One S3 bucket."""

    scheme = "s3"
    preserves_metadata = True
    min_chunk = MIN_PART

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        _fast_timestamps(client)

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"

    def _call(self, what: str, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except Exception as exc:
            raise translate(exc, what) from exc

    def check_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            from botocore.exceptions import ClientError

            if isinstance(exc, ClientError):
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if status == 404 or code in {"404", "NoSuchBucket"}:
                    raise BucketNotFound(f"{self.uri()}: bucket does not exist") from exc
            raise translate(exc, self.uri()) from exc

    def create_bucket(self) -> None:
        self._call(self.uri(), "create_bucket")

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield self._listed(item)
        except Exception as exc:
            raise translate(exc, self.uri(prefix)) from exc

    def list_shallow_pages(self, prefix: str = "") -> Iterator[tuple[list[ObjectInfo], list[str]]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                yield (
                    [self._listed(item) for item in page.get("Contents", [])],
                    [p["Prefix"] for p in page.get("CommonPrefixes", [])],
                )
        except Exception as exc:
            raise translate(exc, self.uri(prefix)) from exc

    @staticmethod
    def _listed(item: Mapping[str, Any]) -> ObjectInfo:
        etag = _unquote(item.get("ETag"))
        return ObjectInfo(
            key=item["Key"],
            size=int(item["Size"]),
            md5=_etag_md5(etag),
            etag=etag,
            parts=_parts(etag),
            version=etag or "",
        )

    def _info(self, key: str, response: Mapping[str, Any], size: int) -> ObjectInfo:
        etag = _unquote(response.get("ETag"))
        return ObjectInfo(
            key=key,
            size=size,
            md5=_etag_md5(etag, response.get("ServerSideEncryption")),
            crc32c=_crc32c(response.get("ChecksumCRC32C"), response.get("ChecksumType")),
            etag=etag,
            parts=_parts(etag),
            version=etag or "",
            content_type=response.get("ContentType"),
            metadata=dict(response.get("Metadata") or {}),
        )

    def head(self, key: str) -> ObjectInfo | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except Exception as exc:
            from botocore.exceptions import ClientError

            if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {
                "404",
                "NoSuchKey",
                "NotFound",
            }:
                return None
            raise translate(exc, self.uri(key)) from exc
        info = self._info(key, response, int(response["ContentLength"]))
        if info.parts:
            first = self._call(
                self.uri(key), "head_object", Key=key, PartNumber=1, ChecksumMode="ENABLED"
            )
            info = ObjectInfo(**{**info.__dict__, "part_size": int(first["ContentLength"])})
        return info

    def get(self, key: str) -> tuple[ObjectInfo, bytes]:
        response = self._call(self.uri(key), "get_object", Key=key, ChecksumMode="ENABLED")
        try:
            data = response["Body"].read()
        except Exception as exc:
            raise translate(exc, self.uri(key)) from exc
        return self._info(key, response, int(response["ContentLength"])), data

    def read(self, key: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        response = self._call(
            self.uri(key), "get_object", Key=key, Range=f"bytes={start}-{end - 1}"
        )
        try:
            return bytes(response["Body"].read())
        except Exception as exc:
            raise translate(exc, self.uri(key)) from exc

    def open_stream(self, key: str, start: int = 0) -> S3Stream:
        extra = {"Range": f"bytes={start}-"} if start else {}
        response = self._call(self.uri(key), "get_object", Key=key, **extra)
        return S3Stream(response["Body"], self.uri(key))

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        md5: bytes | None = None,
    ) -> ObjectInfo:
        extra: dict[str, Any] = {"Metadata": dict(metadata or {})}
        if content_type:
            extra["ContentType"] = content_type
        if md5 is not None:
            extra["ContentMD5"] = base64.b64encode(md5).decode()
        response = self._call(self.uri(key), "put_object", Key=key, Body=data, **extra)
        etag = _unquote(response.get("ETag"))
        stored_md5 = _etag_md5(etag, response.get("ServerSideEncryption"))
        if md5 is not None and stored_md5 is not None and stored_md5 != md5:
            # S3 checks Content-MD5 itself; S3-compatible stores may not, so check the ETag.
            self.delete(key)
            raise StorageError(f"{self.uri(key)}: stored body does not match its MD5")
        return ObjectInfo(
            key=key,
            size=len(data),
            md5=_etag_md5(etag, response.get("ServerSideEncryption")),
            etag=etag,
            version=etag or "",
            content_type=content_type,
            metadata=dict(metadata or {}),
        )

    def start_upload(
        self,
        key: str,
        size: int,
        *,
        chunk_size: int,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> S3Upload:
        extra: dict[str, Any] = {"Metadata": dict(metadata or {})}
        if content_type:
            extra["ContentType"] = content_type
        response = self._call(self.uri(key), "create_multipart_upload", Key=key, **extra)
        return S3Upload(self, key, response["UploadId"], chunk_size)

    def resume_upload(
        self, key: str, session: str, size: int, *, chunk_size: int, confirmed: int = 0
    ) -> S3Upload:
        return S3Upload(self, key, session, chunk_size)

    def delete(self, key: str) -> None:
        self._call(self.uri(key), "delete_object", Key=key)


class S3Upload:
    """A multipart upload; part ``n`` holds bytes ``[(n-1)*chunk, n*chunk)``, each sent with
    its Content-MD5 so S3 rejects a corrupted part."""

    def __init__(self, store: S3Store, key: str, session: str, chunk_size: int) -> None:
        self.store = store
        self.key = key
        self.session = session
        self.chunk_size = chunk_size

    def _parts(self) -> list[dict[str, Any]] | None:
        parts: list[dict[str, Any]] = []
        marker = 0
        while True:
            try:
                page = self.store.client.list_parts(
                    Bucket=self.store.bucket,
                    Key=self.key,
                    UploadId=self.session,
                    PartNumberMarker=marker,
                )
            except Exception as exc:
                from botocore.exceptions import ClientError

                if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in {
                    "NoSuchUpload",
                    "404",
                }:
                    return None
                raise translate(exc, self.store.uri(self.key)) from exc
            parts.extend(page.get("Parts", []))
            if not page.get("IsTruncated"):
                return parts
            marker = int(page["NextPartNumberMarker"])

    def committed(self) -> int | None:
        parts = self._parts()
        if parts is None:
            return None
        done = 0
        for expected, part in enumerate(sorted(parts, key=lambda p: p["PartNumber"]), start=1):
            if part["PartNumber"] != expected or int(part["Size"]) != self.chunk_size:
                break
            done += self.chunk_size
        return done

    def write(self, offset: int, data: bytes | SizedReadable, *, last: bool) -> ObjectInfo | None:
        import hashlib

        if not isinstance(data, bytes):
            data = data.read_all()  # S3 wants each part's MD5 up front

        number = offset // self.chunk_size + 1
        self.store._call(
            self.store.uri(self.key),
            "upload_part",
            Key=self.key,
            UploadId=self.session,
            PartNumber=number,
            Body=data,
            ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),
        )
        if not last:
            return None
        parts = sorted(self._parts() or [], key=lambda p: p["PartNumber"])
        self.store._call(
            self.store.uri(self.key),
            "complete_multipart_upload",
            Key=self.key,
            UploadId=self.session,
            MultipartUpload={
                "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
            },
        )
        return self.store.head(self.key)

    def abort(self) -> None:
        try:
            self.store.client.abort_multipart_upload(
                Bucket=self.store.bucket, Key=self.key, UploadId=self.session
            )
        except Exception:  # best effort: the bucket's lifecycle rule cleans up the rest
            return


class S3Stream:
    """A GET response body whose read errors become :class:`TransientError`."""

    def __init__(self, body: Any, where: str) -> None:
        self.body = body
        self.where = where

    def read(self, size: int) -> bytes:
        try:
            return bytes(self.body.read(size))
        except Exception as exc:
            raise translate(exc, self.where) from exc

    def close(self) -> None:
        try:
            self.body.close()
        except Exception:  # closing a broken connection may fail again; nothing to keep
            return
