"""``s3://bucket/prefix`` and ``gs://bucket/prefix`` as values, checked once at the edge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

SCHEMES = {"s3": "s3", "gs": "gs", "gcs": "gs"}


class BadURI(ValueError):
    """Not an ``s3://`` or ``gs://`` URI with a bucket name."""


@dataclass(frozen=True)
class StorageURI:
    scheme: str
    """``s3`` or ``gs``."""
    bucket: str
    prefix: str = ""
    """Key prefix, without a leading slash; empty for the whole bucket."""

    def __str__(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.prefix}"

    def join(self, relative: str) -> str:
        """The full key of ``relative`` under this prefix."""
        if not self.prefix:
            return relative
        return f"{self.prefix.rstrip('/')}/{relative}" if relative else self.prefix

    def relative(self, key: str) -> str:
        """``key`` relative to this prefix (the inverse of :meth:`join`)."""
        if not self.prefix:
            return key
        base = self.prefix.rstrip("/")
        if key == base:
            return ""
        return key[len(base) + 1 :] if key.startswith(base + "/") else key[len(self.prefix) :]


def parse_uri(text: str) -> StorageURI:
    """Parse ``s3://b/p`` or ``gs://b/p``; raises :class:`BadURI` with the reason."""
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise BadURI(f"{text!r}: expected s3://BUCKET/PREFIX or gs://BUCKET/PREFIX")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise BadURI(f"{text!r}: no bucket name")
    _check_characters(text)
    return StorageURI(SCHEMES[scheme.lower()], bucket, prefix.lstrip("/"))


def _check_characters(text: str) -> None:
    """No ``..`` segment (``s3://b/../x`` reads as another folder on some stores and as a
    literal key on others) and no control or invisible character (a typo nobody can see)."""
    if not text.isprintable():
        raise BadURI(
            f"{text!r}: control or invisible characters are not allowed in a URI; "
            "retype it (a pasted URI can carry them)"
        )
    if ".." in text.partition("://")[2].split("/"):
        raise BadURI(f"{text!r}: '..' segments are not allowed in a URI; write the full prefix")


def channel_dir_uri(uri: str) -> str:
    """The folder a channel's trainer flag must receive. SageMaker copies a single-object
    channel (``s3://b/t/train.csv``) into a folder, and scripts join the file name onto the
    channel path, so a URI whose last segment looks like a file name becomes its parent."""
    scheme, sep, rest = uri.partition("://")
    path = PurePosixPath(rest.rstrip("/")) if sep else PurePosixPath(uri.rstrip("/"))
    if path.suffix and len(path.parts) > (1 if sep else 0) and not uri.endswith("/"):
        path = path.parent
    return f"{scheme}://{path}" if sep else str(path)


_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]*[a-z0-9]$")
_S3_BUCKET = re.compile(r"^[A-Za-z0-9._-]{3,255}$")
"""What the S3 API takes (legacy us-east-1 buckets may hold capitals and underscores)."""


def bucket_problem(scheme: str, bucket: str) -> str | None:
    """Why ``bucket`` cannot be a bucket of ``scheme`` (``s3``/``gs``), or None when it can.

    GCS: 3-63 characters (222 with dots, 63 per dot-separated part) of lowercase letters,
    digits, ``-``, ``_`` and ``.``, starting and ending with a letter or digit, not ``goog…``."""
    if scheme == "s3":
        if not _S3_BUCKET.match(bucket):
            return (
                f"{bucket!r} is not an S3 bucket name (3-255 characters: letters, digits, "
                "'.', '-', '_')"
            )
        return None
    parts = bucket.split(".")
    too_long = len(bucket) > (222 if len(parts) > 1 else 63)
    if (
        len(bucket) < 3
        or too_long
        or not _GCS_BUCKET.match(bucket)
        or any(not 1 <= len(part) <= 63 for part in parts)
        or bucket.startswith("goog")
    ):
        return (
            f"{bucket!r} is not a Cloud Storage bucket name (3-63 characters: lowercase "
            "letters, digits, '-', '_' and '.', starting and ending with a letter or digit)"
        )
    return None
