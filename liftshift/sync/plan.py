"""Plan a sync: list both sides and sort every source object into new / changed / identical.

"Identical" needs proof: equal MD5s (S3 single-part ETag vs GCS ``md5Hash``), equal CRC32Cs, or
a journal row saying we verified this exact pair of versions before. Equal sizes prove nothing,
and a multipart S3 object has no MD5 to compare, so without a journal row it is copied (and
verified) again: the silent skip ``gcloud storage rsync`` does is exactly what we avoid.

Listings stream, page by page, into a private SQLite file (see :class:`PlanStore`), and the
comparison is a join there: memory stays flat whether the bucket holds a hundred objects or a
million, and the plan is read back lazily (largest first for the copier, key order for people).
"""

from __future__ import annotations

import posixpath
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal, overload

from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import (
    ObjectInfo,
    ObjectStore,
    StorageURI,
    open_store,
    parse_uri,
)
from liftshift.sync.journal import JOURNAL_NAME, Journal
from liftshift.sync.nearest import empty_source

Action = Literal["new", "changed", "identical"]
ACTIONS: tuple[Action, ...] = ("new", "changed", "identical")
BATCH = 1000
"""Rows per insert (a listing page)."""
LIST_WORKERS = 16
"""Folders listed at once (as many as the copy's default workers: listing waits on the
server, not on our CPU)."""

SCHEMA = """
CREATE TABLE src (
    key TEXT NOT NULL, size INTEGER NOT NULL, md5 BLOB, crc32c INTEGER, etag TEXT,
    parts INTEGER, version TEXT NOT NULL, dst_key TEXT NOT NULL
);
CREATE TABLE dst (
    key TEXT PRIMARY KEY, size INTEGER NOT NULL, md5 BLOB, crc32c INTEGER, version TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE proof (
    src TEXT NOT NULL, dst TEXT NOT NULL, src_version TEXT NOT NULL, size INTEGER NOT NULL,
    dst_version TEXT NOT NULL, PRIMARY KEY (src, dst)
) WITHOUT ROWID;
CREATE TABLE item (
    key TEXT PRIMARY KEY, size INTEGER NOT NULL, md5 BLOB, crc32c INTEGER, etag TEXT,
    parts INTEGER, version TEXT NOT NULL, dst_key TEXT NOT NULL, action TEXT NOT NULL,
    reason TEXT NOT NULL
) WITHOUT ROWID;
"""
ITEM_COLUMNS = "key, size, md5, crc32c, etag, parts, version, dst_key, action, reason"


@dataclass(frozen=True)
class SyncItem:
    source: ObjectInfo
    dst_key: str
    action: Action
    reason: str = ""

    @property
    def key(self) -> str:
        return self.source.key

    @property
    def size(self) -> int:
        return self.source.size


def _item(row: Sequence[object]) -> SyncItem:
    key, size, md5, crc32c, etag, parts, version, dst_key, action, reason = row
    info = ObjectInfo(
        key=str(key),
        size=int(size),  # type: ignore[call-overload]
        md5=md5,  # type: ignore[arg-type]
        crc32c=crc32c,  # type: ignore[arg-type]
        etag=etag,  # type: ignore[arg-type]
        parts=parts,  # type: ignore[arg-type]
        version=str(version),
    )
    return SyncItem(info, str(dst_key), action, str(reason))  # type: ignore[arg-type]


class PlanStore:
    """A private, temporary SQLite database (deleted when closed) holding both listings and
    the classified items. SQLite keeps a small page cache and spills the rest to a temporary
    file, which is what keeps a 100,000-object plan at the memory of a 100-object one."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(SCHEMA)
        self.lock = threading.Lock()

    def insert(self, table: str, rows: Iterable[tuple[object, ...]]) -> None:
        rows = list(rows)
        if not rows:
            return
        marks = ", ".join("?" * len(rows[0]))
        with self.lock:
            self._db.execute("BEGIN")
            self._db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)
            self._db.execute("COMMIT")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[object, ...]]:
        """Rows of ``sql`` a batch at a time (keyset-free: the cursor stays open, under the
        lock only while a batch is fetched)."""
        with self.lock:
            cursor = self._db.execute(sql, params)
        while True:
            with self.lock:
                rows = cursor.fetchmany(BATCH)
            if not rows:
                return
            yield from rows

    def close(self) -> None:
        with self.lock:
            self._db.close()


class PlanItems(Sequence[SyncItem]):
    """The plan's items matching ``where``, read from the :class:`PlanStore` on demand."""

    def __init__(self, store: PlanStore, where: str = "1", order: str = "key") -> None:
        self._store = store
        self._where = where
        self._order = order
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            rows = self._store.query(f"SELECT COUNT(*) FROM item WHERE {self._where}")
            self._length = int(rows[0][0])  # type: ignore[call-overload]
        return self._length

    def __iter__(self) -> Iterator[SyncItem]:
        sql = f"SELECT {ITEM_COLUMNS} FROM item WHERE {self._where} ORDER BY {self._order}"
        return (_item(row) for row in self._store.stream(sql))

    @overload
    def __getitem__(self, index: int) -> SyncItem: ...

    @overload
    def __getitem__(self, index: slice) -> list[SyncItem]: ...

    def __getitem__(self, index: int | slice) -> SyncItem | list[SyncItem]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            rows = self._page(start, max(0, stop - start))
            return [_item(row) for row in rows][::step]
        position = index + len(self) if index < 0 else index
        rows = self._page(position, 1) if 0 <= position < len(self) else []
        if not rows:
            raise IndexError(index)
        return _item(rows[0])

    def _page(self, offset: int, limit: int) -> list[tuple[object, ...]]:
        return self._store.query(
            f"SELECT {ITEM_COLUMNS} FROM item WHERE {self._where} "
            f"ORDER BY {self._order} LIMIT ? OFFSET ?",
            (limit, offset),
        )


class SyncPlan:
    """What a sync would do; ``liftshift sync --dry-run`` prints exactly this.

    Items live in a :class:`PlanStore`, not in a list: ``items`` and ``to_copy`` are lazy
    sequences, and the counts and byte totals are computed once when the plan is built."""

    def __init__(
        self, source: StorageURI, destination: StorageURI, store: PlanStore | None = None
    ) -> None:
        self.source = source
        self.destination = destination
        self.store = store or PlanStore()
        self._totals: dict[str, tuple[int, int]] | None = None

    def _summary(self) -> dict[str, tuple[int, int]]:
        if self._totals is None:
            rows = self.store.query(
                "SELECT action, COUNT(*), COALESCE(SUM(size), 0) FROM item GROUP BY action"
            )
            self._totals = {str(a): (int(n), int(b)) for a, n, b in rows}  # type: ignore[call-overload]
        return self._totals

    @property
    def items(self) -> PlanItems:
        return PlanItems(self.store)

    @property
    def to_copy(self) -> PlanItems:
        return PlanItems(self.store, "action != 'identical'")

    def largest_first(self) -> PlanItems:
        """What to copy, largest first (large objects set the finishing time)."""
        return PlanItems(self.store, "action != 'identical'", "size DESC, key")

    def count(self, action: Action) -> int:
        return self._summary().get(action, (0, 0))[0]

    def bytes(self, action: Action) -> int:
        return self._summary().get(action, (0, 0))[1]

    @property
    def total_objects(self) -> int:
        return sum(count for count, _ in self._summary().values())

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self._summary().values())

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            action: {"objects": self.count(action), "bytes": self.bytes(action)}
            for action in ACTIONS
        }

    def close(self) -> None:
        """Delete the plan's temporary database (it is also deleted when garbage collected)."""
        self.store.close()


def under_prefix(prefix: str, key: str) -> bool:
    """rsync-like prefixes: ``data/train`` covers ``data/train`` and ``data/train/*`` but not
    ``data/training.csv``; a prefix ending in ``/`` (or empty) covers everything below it."""
    if not prefix or prefix.endswith("/"):
        return key.startswith(prefix)
    return key == prefix or key.startswith(prefix + "/")


def destination_key(source: StorageURI, destination: StorageURI, key: str) -> str:
    """Where ``key`` (under ``source``) lands under ``destination``."""
    src_prefix = source.prefix
    if src_prefix and not src_prefix.endswith("/") and key == src_prefix:
        # A single object: copy to the destination key, or into the destination "folder".
        if destination.prefix and not destination.prefix.endswith("/"):
            return destination.prefix
        return destination.prefix + posixpath.basename(key)
    base = src_prefix if not src_prefix or src_prefix.endswith("/") else src_prefix + "/"
    relative = key[len(base) :]
    dst_prefix = destination.prefix
    if dst_prefix and not dst_prefix.endswith("/"):
        dst_prefix += "/"
    return dst_prefix + relative


def list_under(store: ObjectStore, prefix: str) -> Iterator[ObjectInfo]:
    """Every object under ``prefix`` (rsync-like, see :func:`under_prefix`), in key order,
    streamed (a listing is already in key order)."""
    for info in store.list(prefix):
        if under_prefix(prefix, info.key):
            yield info


def list_into(
    store: ObjectStore,
    prefix: str,
    sink: Callable[[list[ObjectInfo]], None],
    *,
    workers: int = LIST_WORKERS,
    fan_out_levels: int = 2,
) -> None:
    """Hand every object under ``prefix`` to ``sink`` a page at a time, in no set order.

    Listing is paginated and serial per prefix, so on a big bucket it is slow. The top
    ``fan_out_levels`` folder levels are listed one level at a time and every sub-folder found
    there is listed in parallel as soon as it is named (flat below that: one request per 1,000
    objects, however deep the tree). ``data`` and ``data/`` both fan out over ``data/*/``. Only
    a page per lister is ever in memory.
    """

    def keep(info: ObjectInfo) -> bool:
        return under_prefix(prefix, info.key)

    def shallow(sub: str, level: int) -> list[tuple[str, int]]:
        deeper: list[tuple[str, int]] = []
        for objects, prefixes in store.list_shallow_pages(sub):
            sink([info for info in objects if keep(info)])
            for folder in prefixes:
                if under_prefix(prefix, folder) or under_prefix(prefix, folder[:-1]):
                    # the folder named by the prefix itself is not a level of the tree
                    same = folder == prefix or folder[:-1] == prefix
                    deeper.append((folder, level if same else level + 1))
        return deeper

    def flat(sub: str) -> list[tuple[str, int]]:
        page: list[ObjectInfo] = []
        for info in store.list(sub):
            if keep(info):
                page.append(info)
            if len(page) >= BATCH:
                sink(page)
                page = []
        sink(page)
        return []

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        running = {pool.submit(shallow, prefix, 0)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                for folder, level in future.result():
                    if level < fan_out_levels:
                        running.add(pool.submit(shallow, folder, level))
                    else:
                        running.add(pool.submit(flat, folder))


def compare(src: ObjectInfo, dst: ObjectInfo | None, proof: bool) -> tuple[Action, str]:
    if dst is None:
        return "new", ""
    if src.size != dst.size:
        return "changed", "size differs"
    if proof:
        return "identical", "verified before (journal)"
    if src.md5 is not None and dst.md5 is not None:
        return ("identical", "md5 match") if src.md5 == dst.md5 else ("changed", "md5 differs")
    if src.crc32c is not None and dst.crc32c is not None:
        if src.crc32c == dst.crc32c:
            return "identical", "crc32c match"
        return "changed", "crc32c differs"
    return "changed", "no comparable hash (e.g. multipart ETag): copy again to verify"


def plan_sync(
    source: StorageURI | str,
    destination: StorageURI | str,
    settings: Settings,
    *,
    journal: Journal | None = None,
    src_store: ObjectStore | None = None,
    dst_store: ObjectStore | None = None,
) -> SyncPlan:
    """List both sides (checking both buckets exist first) and classify every source object.

    Raises :class:`~liftshift.foundation.storage.BucketNotFound` / ``AccessDenied`` for the side
    that is unusable, and :class:`~liftshift.sync.nearest.EmptySource` (with the nearest
    existing prefix) when the source holds nothing, before anything is copied.
    """
    src = parse_uri(source) if isinstance(source, str) else source
    dst = parse_uri(destination) if isinstance(destination, str) else destination
    src_store = src_store or open_store(src, settings)
    dst_store = dst_store or open_store(dst, settings)
    src_store.check_bucket()
    dst_store.check_bucket()
    plan = SyncPlan(src, dst)
    store = plan.store
    try:
        list_into(
            src_store,
            src.prefix,
            lambda page: store.insert(
                "src",
                (
                    (i.key, i.size, i.md5, i.crc32c, i.etag, i.parts, i.version, dst_key)
                    for i in page
                    for dst_key in (destination_key(src, dst, i.key),)
                ),
            ),
        )
        if not store.query("SELECT 1 FROM src LIMIT 1"):
            raise empty_source(src_store, src.prefix)
        list_into(
            dst_store,
            dst.prefix,
            lambda page: store.insert(
                "dst", ((i.key, i.size, i.md5, i.crc32c, i.version) for i in page)
            ),
        )
        bases = (src_store.uri(src.prefix), dst_store.uri(dst.prefix))
        _load_proofs(store, settings, journal, bases)
        _classify(store, src_store.uri(""), dst_store.uri(""))
    except BaseException:
        plan.close()
        raise
    return plan


def _load_proofs(
    store: PlanStore,
    settings: Settings,
    journal: Journal | None,
    bases: tuple[str, str],
) -> None:
    """Copy the journal's verified pairs under both bases into the plan, page by page."""
    own = None
    if journal is None:
        if not (settings.state_dir / JOURNAL_NAME).exists():  # planning never creates state
            return
        journal = own = Journal.for_state_dir(settings.state_dir)
    try:
        for rows in journal.verified_pages_under(*bases, size=BATCH):
            store.insert("proof", rows)
    finally:
        if own is not None:
            own.close()


def _classify(store: PlanStore, src_root: str, dst_root: str) -> None:
    """Join the listings (and proofs) and write each source object's action, a batch at a
    time, in key order."""
    rows = store.stream(
        "SELECT s.key, s.size, s.md5, s.crc32c, s.etag, s.parts, s.version, s.dst_key, "
        "d.size, d.md5, d.crc32c, d.version, p.src_version, p.size, p.dst_version "
        "FROM src AS s LEFT JOIN dst AS d ON d.key = s.dst_key "
        "LEFT JOIN proof AS p ON p.src = ? || s.key AND p.dst = ? || s.dst_key "
        "ORDER BY s.key",
        (src_root, dst_root),
    )
    batch: list[tuple[object, ...]] = []
    for row in rows:
        key, size, md5, crc, etag, parts, version, dst_key = row[:8]
        d_size, d_md5, d_crc, d_version, p_version, p_size, p_dst_version = row[8:]
        source = ObjectInfo(str(key), int(size), md5, crc, version=str(version))  # type: ignore[arg-type, call-overload]
        target = (
            None
            if d_size is None
            else ObjectInfo(str(dst_key), int(d_size), d_md5, d_crc, version=str(d_version))  # type: ignore[arg-type, call-overload]
        )
        proof = (
            target is not None
            and p_version is not None
            and p_version == source.version
            and p_size == source.size
            and p_dst_version == target.version
        )
        action, reason = compare(source, target, proof)
        batch.append((key, size, md5, crc, etag, parts, version, dst_key, action, reason))
        if len(batch) >= BATCH:
            store.insert("item", batch)
            batch = []
    store.insert("item", batch)
