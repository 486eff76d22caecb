"""Helpers for sync tests: fill moto with datasets, read fake-gcs-server independently."""

from __future__ import annotations

import hashlib
import urllib.parse
import urllib.request
from collections.abc import Mapping

from liftshift.foundation.clients import s3_client
from liftshift.foundation.settings import Settings
from liftshift.sync import CopyOptions

MiB = 1024 * 1024
SMALL_OPTIONS = CopyOptions(chunk_size=MiB, single_request_max=MiB, memory_budget=16 * MiB)
"""Tiny chunks so a few MiB exercise the streaming, resumable path quickly."""

ODD_KEYS = {
    "odd/with space.txt": b"space",
    "odd/données-日本語.csv": b"a,b\n1,2\n",
    "odd/100% sure %41.txt": b"percent",
    "odd/" + "l" * 300 + ".bin": b"long name",
    "odd/zero-bytes": b"",
}


def blob(seed: str, size: int) -> bytes:
    """Deterministic, incompressible-looking bytes."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:size])


def fill_s3(settings: Settings, bucket: str, objects: Mapping[str, bytes]) -> None:
    client = s3_client(settings)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
    for key, data in objects.items():
        client.put_object(
            Bucket=bucket,
            Key=key,
            Body=data,
            ContentType="text/csv" if key.endswith(".csv") else "application/octet-stream",
            Metadata={"origin": "test"},
        )


def put_multipart(settings: Settings, bucket: str, key: str, data: bytes, part: int) -> str:
    client = s3_client(settings)
    upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(data), part), start=1):
        response = client.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=upload,
            PartNumber=number,
            Body=data[start : start + part],
        )
        parts.append({"PartNumber": number, "ETag": response["ETag"]})
    done = client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
    )
    return str(done["ETag"]).strip('"')


def gcs_read(settings: Settings, bucket: str, key: str) -> bytes:
    """Read an object straight from fake-gcs-server's JSON API (not through our adapter)."""
    base = settings.gcp.storage_endpoint
    quoted = urllib.parse.quote(key, safe="")
    with urllib.request.urlopen(f"{base}/storage/v1/b/{bucket}/o/{quoted}?alt=media") as response:
        return bytes(response.read())


def gcs_keys(settings: Settings, bucket: str) -> set[str]:
    import json

    base = settings.gcp.storage_endpoint
    keys: set[str] = set()
    token = ""
    while True:
        with urllib.request.urlopen(f"{base}/storage/v1/b/{bucket}/o?maxResults=1000{token}") as r:
            page = json.loads(r.read())
        keys.update(item["name"] for item in page.get("items", []))
        if not page.get("nextPageToken"):
            return keys
        token = "&pageToken=" + urllib.parse.quote(page["nextPageToken"])
