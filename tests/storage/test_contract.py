"""One contract, three adapters: S3 on moto's server, GCS on fake-gcs-server, local folders."""

from __future__ import annotations

import hashlib
from pathlib import Path

import google_crc32c
import pytest

from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import (
    BucketNotFound,
    ObjectStore,
    StorageError,
    UnsafeKey,
    list_shallow,
    open_store,
    parse_uri,
)

MiB = 1024 * 1024
ODD_KEYS = [
    "with space/file name.txt",
    "unicode/données-日本語.csv",
    "percent/100%25 done %.txt",
    "plus+and=equals&amp.bin",
    "deep/" + "d" * 200 + "/" + "f" * 200 + ".bin",
    "zero/empty",
]


@pytest.fixture(params=["s3", "gs", "local"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "local":
        return Settings(target="local", project_dir=tmp_path)
    return request.getfixturevalue("cloud_settings")


@pytest.fixture
def scheme(settings: Settings, request: pytest.FixtureRequest) -> str:
    return "s3" if request.node.callspec.params["settings"] in {"s3", "local"} else "gs"


@pytest.fixture
def store(settings: Settings, scheme: str) -> ObjectStore:
    store = open_store(f"{scheme}://contract-bucket/", settings)
    store.create_bucket()
    return store


def crc(data: bytes) -> int:
    return int.from_bytes(google_crc32c.Checksum(data).digest(), "big")


def test_adapter_satisfies_protocol(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert store.uri("a/b") == f"{store.scheme}://contract-bucket/a/b"


def test_missing_bucket_is_reported(settings: Settings, scheme: str) -> None:
    with pytest.raises(BucketNotFound):
        open_store(f"{scheme}://no-such-bucket-here/", settings).check_bucket()


def test_put_head_get_read_roundtrip(store: ObjectStore) -> None:
    data = bytes(range(256)) * 40
    written = store.put(
        "dir/obj.bin",
        data,
        content_type="application/x-test",
        metadata={"owner": "team-a"},
        md5=hashlib.md5(data).digest(),
    )
    assert written.size == len(data)
    info = store.head("dir/obj.bin")
    assert info is not None
    assert info.size == len(data)
    assert info.md5 == hashlib.md5(data).digest()
    if store.preserves_metadata:
        assert info.content_type == "application/x-test"
        assert dict(info.metadata) == {"owner": "team-a"}
    got_info, got = store.get("dir/obj.bin")
    assert got == data and got_info.size == len(data)
    assert store.read("dir/obj.bin", 10, 20) == data[10:20]
    assert store.read("dir/obj.bin", 0, 0) == b""
    assert store.head("dir/missing") is None


def test_wrong_md5_is_rejected(store: ObjectStore) -> None:
    with pytest.raises(StorageError):
        store.put("bad", b"hello", md5=hashlib.md5(b"other").digest())
    assert store.head("bad") is None


def test_list_is_sorted_filtered_and_keeps_odd_keys(store: ObjectStore) -> None:
    for key in ODD_KEYS:
        store.put(key, b"" if key.startswith("zero") else key.encode())
    store.put("other/x", b"x")
    listed = {info.key: info for info in store.list()}
    assert set(listed) == {*ODD_KEYS, "other/x"}
    assert listed["zero/empty"].size == 0
    assert [i.key for i in store.list("unicode/")] == ["unicode/données-日本語.csv"]
    keys = [i.key for i in store.list()]
    assert keys == sorted(keys)
    for key in ODD_KEYS:
        assert store.get(key)[1] == (b"" if key.startswith("zero") else key.encode())
    store.delete("other/x")
    assert store.head("other/x") is None


def test_shallow_listing_splits_objects_and_sub_prefixes(store: ObjectStore) -> None:
    for key in ["top.txt", "a/1", "a/b/2", "c/3", "a.txt"]:
        store.put(key, b"x")
    objects, prefixes = list_shallow(store, "")
    assert sorted(i.key for i in objects) == ["a.txt", "top.txt"]
    assert prefixes == ["a/", "c/"]
    objects, prefixes = list_shallow(store, "a/")
    assert [i.key for i in objects] == ["a/1"] and prefixes == ["a/b/"]


def test_resumable_upload_survives_a_new_handle(store: ObjectStore) -> None:
    chunk = max(store.min_chunk, 256 * 1024)
    data = (b"0123456789abcdef" * (chunk // 16)) * 2 + b"tail"
    upload = store.start_upload(
        "big/object", len(data), chunk_size=chunk, content_type="text/plain", metadata={"k": "v"}
    )
    assert upload.committed() == 0  # nothing sent yet
    assert upload.write(0, data[:chunk], last=False) is None
    # A new process only knows the session id from the journal.
    resumed = store.resume_upload(
        "big/object", upload.session, len(data), chunk_size=chunk, confirmed=chunk
    )
    assert resumed.committed() == chunk
    resumed.write(chunk, data[chunk : 2 * chunk], last=False)
    info = resumed.write(2 * chunk, data[2 * chunk :], last=True)
    assert info is not None
    assert info.size == len(data)
    assert store.get("big/object")[1] == data
    head = store.head("big/object")
    assert head is not None
    if head.crc32c is not None:
        assert head.crc32c == crc(data)
    if store.scheme == "s3" and store.preserves_metadata:
        assert head.parts == 3 and head.part_size == chunk
    if store.preserves_metadata:
        assert head.metadata.get("k") == "v"


def test_local_store_refuses_keys_that_escape(tmp_path: Path) -> None:
    store = open_store("gs://bkt/", Settings(target="local", project_dir=tmp_path))
    store.create_bucket()
    for key in ["../outside", "a/../../x", "/abs", "dir/", "a//b", "./x"]:
        with pytest.raises(UnsafeKey):
            store.put(key, b"x")
    assert not (tmp_path / ".liftshift" / "local" / "gcs" / "outside").exists()


def test_local_layout_matches_settings(tmp_path: Path) -> None:
    settings = Settings(target="local", project_dir=tmp_path)
    for uri, folder in [("s3://b1/k/x", "s3"), ("gs://b1/k/x", "gcs")]:
        parsed = parse_uri(uri)
        store = open_store(parsed, settings)
        store.create_bucket()
        store.put(parsed.prefix, b"data")
        assert (settings.local_storage_root / folder / "b1" / "k" / "x").read_bytes() == b"data"


class StreamedBody:
    """A sized body handed out in 100 KiB pieces while it is sent, as the sync's is."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def __len__(self) -> int:
        return len(self.data)

    def read(self, size: int = -1) -> bytes:
        piece = self.data[self.offset : self.offset + 100 * 1024]
        self.offset += len(piece)
        return piece

    def read_all(self) -> bytes:
        rest, self.offset = self.data[self.offset :], len(self.data)
        return rest


def test_an_upload_that_fits_one_chunk_lands_whole(store: ObjectStore) -> None:
    chunk = max(store.min_chunk, 256 * 1024)
    data = b"one request, " * (chunk // 20)
    upload = store.start_upload(
        "one/chunk", len(data), chunk_size=chunk, content_type="text/plain", metadata={"k": "v"}
    )
    info = upload.write(0, StreamedBody(data), last=True)
    assert info is not None and info.size == len(data)
    assert store.get("one/chunk")[1] == data
    head = store.head("one/chunk")
    assert head is not None
    if head.md5 is not None:
        assert head.md5 == hashlib.md5(data).digest()
    if store.preserves_metadata:
        assert head.content_type == "text/plain"
        assert dict(head.metadata) == {"k": "v"}


def test_a_one_chunk_upload_without_metadata_keeps_its_exact_name_and_type(
    store: ObjectStore,
) -> None:
    """Without custom metadata GCS takes the bytes as the body and the name as a query
    parameter: characters a query string treats specially must come through unchanged."""
    chunk = max(store.min_chunk, 256 * 1024)
    data = b"media, " * (chunk // 10)
    key = "odd names/a+b c&d=e?f#g%20ü.bin"
    upload = store.start_upload(key, len(data), chunk_size=chunk, content_type="text/csv")
    info = upload.write(0, StreamedBody(data), last=True)
    assert info is not None and info.key == key and info.size == len(data)
    assert store.get(key)[1] == data
    head = store.head(key)
    assert head is not None
    if head.md5 is not None:
        assert head.md5 == hashlib.md5(data).digest()
    if store.preserves_metadata:
        assert head.content_type == "text/csv"
        assert dict(head.metadata) == {}
