"""Plan a sync: list both sides and sort every source object into new / changed / identical.

"Identical" needs proof: equal MD5s (S3 single-part ETag vs GCS ``md5Hash``), equal CRC32Cs, or
a journal row saying we verified this exact pair of versions before. Equal sizes prove nothing,
and a multipart S3 object has no MD5 to compare, so without a journal row it is copied (and
verified) again: the silent skip ``gcloud storage rsync`` does is exactly what we avoid.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

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


@dataclass
class SyncPlan:
    """What a sync would do; ``liftshift sync --dry-run`` prints exactly this."""

    source: StorageURI
    destination: StorageURI
    items: list[SyncItem] = field(default_factory=list)

    def _select(self, action: Action) -> list[SyncItem]:
        return [item for item in self.items if item.action == action]

    @property
    def to_copy(self) -> list[SyncItem]:
        return [item for item in self.items if item.action != "identical"]

    def count(self, action: Action) -> int:
        return len(self._select(action))

    def bytes(self, action: Action) -> int:
        return sum(item.size for item in self._select(action))

    @property
    def total_objects(self) -> int:
        return len(self.items)

    @property
    def total_bytes(self) -> int:
        return sum(item.size for item in self.items)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            action: {"objects": self.count(action), "bytes": self.bytes(action)}
            for action in ("new", "changed", "identical")
        }


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


def list_under(store: ObjectStore, prefix: str, *, workers: int = 8) -> Iterator[ObjectInfo]:
    """Every object under ``prefix`` (rsync-like, see :func:`under_prefix`), in key order.

    Listing is paginated and serial per prefix, so on a big bucket it is slow; we list one
    level first and then every sub-prefix in parallel (one extra request on a flat bucket).
    """
    objects, prefixes = store.list_shallow(prefix)
    prefixes = [p for p in prefixes if under_prefix(prefix, p) or under_prefix(prefix, p[:-1])]
    if prefixes:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(prefixes)))) as pool:
            for listed in pool.map(lambda sub: list(store.list(sub)), prefixes):
                objects.extend(listed)
    for info in sorted(objects, key=lambda i: i.key):
        if under_prefix(prefix, info.key):
            yield info


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
    sources = list(list_under(src_store, src.prefix))
    if not sources:
        raise empty_source(src_store, src.prefix)
    existing = {info.key: info for info in list_under(dst_store, dst.prefix)}
    proofs = {}
    bases = (src_store.uri(src.prefix), dst_store.uri(dst.prefix))
    if journal is not None:
        proofs = journal.verified_under(*bases)
    elif (settings.state_dir / JOURNAL_NAME).exists():  # planning never creates state
        own = Journal.for_state_dir(settings.state_dir)
        try:
            proofs = own.verified_under(*bases)
        finally:
            own.close()
    plan = SyncPlan(src, dst)
    for info in sources:
        dst_key = destination_key(src, dst, info.key)
        target = existing.get(dst_key)
        record = proofs.get((src_store.uri(info.key), dst_store.uri(dst_key)))
        proof = (
            record is not None
            and target is not None
            and record.src_version == info.version
            and record.size == info.size
            and record.dst_version == target.version
        )
        action, reason = compare(info, target, proof)
        plan.items.append(SyncItem(info, dst_key, action, reason))
    return plan
