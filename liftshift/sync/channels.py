"""Sync driven by the plan: every channel's ``source`` → ``destination``, then check them.

On the ``local`` target the "S3" side is a folder that starts empty; when a channel names
``sample_data`` (a project folder or file) it is seeded from there first, so the examples run
with no manual step. A channel whose source is a project folder rather than a URI is uploaded
the same way.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.plan import ChannelPlan, Plan
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import (
    BucketNotFound,
    StorageURI,
    open_store,
    parse_uri,
)
from liftshift.foundation.storage.uri import channel_dir_uri
from liftshift.sync.copier import CopyOptions
from liftshift.sync.engine import Engine, sync
from liftshift.sync.plan import list_under, plan_sync
from liftshift.sync.runner import SyncResult


@dataclass(frozen=True)
class Seeded:
    """Sample data put into the local target's "S3" before a channel's sync."""

    destination: str
    objects: int
    bytes: int


def seed(destination: StorageURI | str, source: Path, settings: Settings) -> Seeded:
    """Upload a folder (or one file) to ``destination``, creating the bucket on the local target.

    Each object carries its MD5 so the store rejects a corrupted write.
    """
    uri = parse_uri(destination) if isinstance(destination, str) else destination
    store = open_store(uri, settings)
    try:
        store.check_bucket()
    except BucketNotFound:
        if settings.target != "local":
            raise
        store.create_bucket()
    source = Path(source)
    if source.is_file():
        files = [(source.name, source)]
    elif source.is_dir():
        files = sorted(
            (Path(root, name).relative_to(source).as_posix(), Path(root, name))
            for root, _dirs, names in os.walk(source)
            for name in names
        )
    else:
        raise FileNotFoundError(f"{source}: no such file or folder to seed from")
    prefix = uri.prefix
    if source.is_dir():
        # A folder of samples for a channel URI that names one object fills the channel's
        # folder, as the trainer sees it (see channel_dir_uri).
        prefix = parse_uri(channel_dir_uri(str(uri))).prefix
    if source.is_file() and prefix and not prefix.endswith("/"):
        # A channel URI may name one object (``s3://b/titanic/train.csv``), as SageMaker allows:
        # the file is that object, not a file inside a folder of that name.
        files = [("", source)]
    elif prefix and not prefix.endswith("/"):
        prefix += "/"
    total = 0
    for relative, path in files:
        data = path.read_bytes()
        store.put(prefix + relative, data, md5=hashlib.md5(data).digest())
        total += len(data)
    return Seeded(str(uri), len(files), total)


@dataclass
class ChannelSync:
    channel: str
    seeded: Seeded | None = None
    result: SyncResult | None = None
    error: str = ""


def _is_uri(text: str) -> bool:
    return "://" in text


def seed_if_empty(destination: str, sample: Path, settings: Settings) -> Seeded | None:
    """Seed ``destination`` (any URI of the local target) from a project sample when nothing
    is there yet; existing data is never overwritten. Sync and training both use this, so the
    examples run with no manual step whichever command comes first."""
    uri = parse_uri(destination)
    store = open_store(uri, settings)
    try:
        store.check_bucket()
        if next(iter(list_under(store, uri.prefix)), None) is not None:
            return None
    except BucketNotFound:
        pass
    return seed(uri, sample, settings)


def prepare_channel(
    channel: ChannelPlan, settings: Settings, reporter: Reporter = ignore
) -> Seeded | None:
    """Seed the local target's source from ``sample_data`` when it is empty; create the local
    destination bucket. Returns what was seeded, if anything."""
    if not _is_uri(channel.source):
        return None
    seeded = None
    if settings.target == "local":
        if channel.sample_data:
            sample = settings.project_dir / channel.sample_data
            seeded = seed_if_empty(channel.source, sample, settings)
            if seeded is not None:
                reporter(seeded)
        dst = open_store(channel.destination, settings)
        try:
            dst.check_bucket()
        except BucketNotFound:
            dst.create_bucket()
    return seeded


def sync_channels(
    plan: Plan,
    settings: Settings,
    reporter: Reporter = ignore,
    cancel: threading.Event | None = None,
    *,
    engine: Engine | None = None,
    workers: int = 16,
    copy_options: CopyOptions | None = None,
) -> list[SyncResult]:
    """Sync every channel of the plan (seeding local sample data first); one result each.

    A channel whose source is a project folder is uploaded (verified by MD5) instead.
    Raises ``BucketNotFound``/``AccessDenied`` for an unusable bucket before copying anything.
    """
    results: list[SyncResult] = []
    for channel in plan.data.channels:
        if cancel is not None and cancel.is_set():
            break
        if not channel.source or not channel.destination:
            continue
        if not _is_uri(channel.source):
            seeded = seed(channel.destination, settings.project_dir / channel.source, settings)
            reporter(seeded)
            results.append(
                SyncResult(channel.source, channel.destination, "upload", bytes_copied=seeded.bytes)
            )
            continue
        prepare_channel(channel, settings, reporter)
        results.append(
            sync(
                channel.source,
                channel.destination,
                settings,
                reporter,
                cancel,
                engine=engine or plan.data.engine,
                workers=workers,
                copy_options=copy_options,
            )
        )
    return results


CHECK_EXAMPLES = 20
"""Missing or unproven keys a check names (all are counted): a channel of a million objects
that was never synced must not become a list of a million keys."""


@dataclass
class ChannelCheck:
    """Post-sync check of one channel: every object the trainer will read is there and proven."""

    channel: str
    destination: str
    objects: int = 0
    missing: list[str] = field(default_factory=list)
    """The first :data:`CHECK_EXAMPLES` destination keys that are missing."""
    missing_count: int = 0
    unproven: list[str] = field(default_factory=list)
    """The first :data:`CHECK_EXAMPLES` destination keys present without a matching hash or
    journal proof."""
    unproven_count: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.error
            and not self.missing_count
            and not self.unproven_count
            and self.objects > 0
        )


def check_channels(plan: Plan, settings: Settings) -> list[ChannelCheck]:
    """For each channel, every source object must exist at the destination with a matching
    hash or a journal proof (what the migrated trainer will read)."""
    checks: list[ChannelCheck] = []
    for channel in plan.data.channels:
        check = ChannelCheck(channel.name, channel.destination)
        checks.append(check)
        if not channel.destination or not _is_uri(channel.source):
            check.error = (
                "no s3:// source to compare with" if channel.destination else "no destination"
            )
            continue
        try:
            sync_plan = plan_sync(channel.source, channel.destination, settings)
        except Exception as exc:
            check.error = str(exc)
            continue
        check.objects = sync_plan.total_objects
        check.missing_count = sync_plan.count("new")
        check.unproven_count = sync_plan.count("changed")
        for item in sync_plan.to_copy:  # (new and changed, in key order)
            named = check.missing if item.action == "new" else check.unproven
            if len(named) < CHECK_EXAMPLES:
                named.append(item.dst_key)
            if len(check.missing) + len(check.unproven) >= 2 * CHECK_EXAMPLES:
                break
        sync_plan.close()
    return checks
