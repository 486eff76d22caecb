"""Run a sync plan: copy in parallel, report progress, never let one bad object stop the rest.

Large objects start first (they set the finishing time) and are limited by a memory budget;
small ones fill the remaining workers. Progress goes out as throttled :class:`SyncProgress`
snapshots plus one :class:`ObjectEvent` per object state change.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import ObjectStore, StorageError, open_store
from liftshift.sync.copier import Copier, CopyOptions
from liftshift.sync.events import ObjectEvent, SyncFinished, SyncProgress, SyncStarted
from liftshift.sync.journal import Journal, JournalError
from liftshift.sync.plan import SyncItem, SyncPlan
from liftshift.sync.retry import Cancelled

PROGRESS_INTERVAL = 0.2


FAILURES_LISTED = 1000
"""Failed objects a result lists (every failure is counted): enough to act on, and a sync where
everything fails (a revoked key) does not hold one entry per object."""


@dataclass(frozen=True)
class FailedObject:
    key: str
    reason: str


@dataclass(frozen=True)
class ResumedObject:
    key: str
    resumed_from: int
    """Bytes already at the destination (uploaded before an interruption, not sent again)."""


@dataclass
class SyncResult:
    """What one sync did, in memory of constant size whatever the object count: counts and
    bytes. Each object's checks went out as an :class:`ObjectEvent` and into the journal's
    ``verified`` row. The lists are bounded: ``resumed`` by the uploads left open before this
    run, ``failed`` by :data:`FAILURES_LISTED` (``failed_count`` counts them all)."""

    source: str
    destination: str
    engine: str = "copy"
    verified: int = 0
    """Objects copied and verified by this run."""
    failed: list[FailedObject] = field(default_factory=list)
    failed_count: int = 0
    resumed: list[ResumedObject] = field(default_factory=list)
    skipped: int = 0
    bytes_copied: int = 0
    elapsed: float = 0.0
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed_count and not self.cancelled

    def add_failure(self, key: str, reason: str) -> None:
        self.failed_count += 1
        if len(self.failed) < FAILURES_LISTED:
            self.failed.append(FailedObject(key, reason))

    @property
    def failures_unlisted(self) -> int:
        """Failures counted but not kept in :attr:`failed`."""
        return self.failed_count - len(self.failed)

    def finished_event(self) -> SyncFinished:
        """The last event of a sync, whichever engine ran it."""
        return SyncFinished(
            self.source,
            self.destination,
            verified=self.verified,
            failed=self.failed_count,
            skipped=self.skipped,
            bytes_copied=self.bytes_copied,
            elapsed=self.elapsed,
            cancelled=self.cancelled,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "destination": self.destination,
            "engine": self.engine,
            "verified": self.verified,
            "failed": [{"key": f.key, "reason": f.reason} for f in self.failed],
            "failed_count": self.failed_count,
            "skipped_identical": self.skipped,
            "bytes_copied": self.bytes_copied,
            "resumed": [{"key": r.key, "from": r.resumed_from} for r in self.resumed],
            "elapsed_seconds": round(self.elapsed, 3),
            "cancelled": self.cancelled,
            "ok": self.ok,
        }


class _Progress:
    """Thread-safe counters that emit a throttled snapshot."""

    def __init__(self, reporter: Reporter, objects: int, total: int) -> None:
        self.reporter = reporter
        self.objects_total = objects
        self.bytes_total = total
        self.objects_done = 0
        self.bytes_done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes_done += count
        self.maybe_emit()

    def object_done(self, *, failed: bool, size: int) -> None:
        with self._lock:
            self.objects_done += 1
            if failed:
                self.failed += 1
                self.bytes_total -= size
        self.maybe_emit()

    def maybe_emit(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < PROGRESS_INTERVAL:
                return
            self._last = now
            elapsed = now - self.started
            rate = self.bytes_done / elapsed if elapsed > 0 else 0.0
            remaining = max(0, self.bytes_total - self.bytes_done)
            event = SyncProgress(
                objects_done=self.objects_done,
                objects_total=self.objects_total,
                bytes_done=self.bytes_done,
                bytes_total=self.bytes_total,
                failed=self.failed,
                elapsed=elapsed,
                bytes_per_second=rate,
                eta_seconds=remaining / rate if rate > 0 else None,
            )
        self.reporter(event)


def run_sync(
    plan: SyncPlan,
    settings: Settings,
    reporter: Reporter = ignore,
    cancel: threading.Event | None = None,
    *,
    workers: int = 16,
    options: CopyOptions | None = None,
    src_store: ObjectStore | None = None,
    dst_store: ObjectStore | None = None,
    journal: Journal | None = None,
) -> SyncResult:
    """Copy and verify every new/changed object of ``plan``; returns what was verified/failed.

    ``cancel`` stops the sync between chunks; open uploads stay in the journal for a rerun.
    Raises :class:`JournalError` if the journal's folder cannot take writes (checked before
    copying) or stops taking them (the first failed write stops the sync).
    """
    cancel = cancel or threading.Event()
    options = options or CopyOptions()
    src_store = src_store or open_store(plan.source, settings)
    dst_store = dst_store or open_store(plan.destination, settings)
    own_journal = journal is None
    journal = journal or Journal.for_writing(settings.state_dir)
    todo = plan.largest_first()
    result = SyncResult(str(plan.source), str(plan.destination), skipped=plan.count("identical"))
    progress = _Progress(
        reporter,
        plan.count("new") + plan.count("changed"),
        plan.bytes("new") + plan.bytes("changed"),
    )
    reporter(
        SyncStarted(
            str(plan.source), str(plan.destination), "copy", len(todo), progress.bytes_total
        )
    )
    copier = Copier(
        src_store,
        dst_store,
        journal,
        options=options,
        cancel=cancel,
        on_bytes=progress.add_bytes,
        on_resume=lambda item, offset: reporter(
            ObjectEvent(item.key, "resuming", item.size, resumed_from=offset)
        ),
    )
    large = threading.BoundedSemaphore(options.large_slots)
    lock = threading.Lock()
    journal_failures: list[JournalError] = []

    def one(item: SyncItem) -> None:
        if cancel.is_set():
            return
        is_large = item.size > options.single_request_max
        if is_large:
            large.acquire()
        try:
            reporter(ObjectEvent(item.key, "copying", item.size))
            reason = ""
            for attempt in range(options.object_attempts):
                try:
                    copied = copier.copy(item)
                except Cancelled:
                    return
                except JournalError as exc:
                    journal_failures.append(exc)
                    cancel.set()  # nothing more can be recorded: stop the other workers too
                    return
                except StorageError as exc:
                    reason = str(exc)
                    if cancel.is_set() or attempt + 1 >= options.object_attempts:
                        break
                    continue
                except Exception as exc:  # a bug in one object must not stop the others
                    reason = f"{type(exc).__name__}: {exc}"
                    break
                with lock:
                    result.verified += 1
                    result.bytes_copied += copied.size - copied.resumed_from
                    if copied.resumed_from:
                        result.resumed.append(ResumedObject(copied.key, copied.resumed_from))
                reporter(ObjectEvent(item.key, "verified", item.size, ", ".join(copied.checks)))
                progress.object_done(failed=False, size=item.size)
                return
            with lock:
                result.add_failure(item.key, reason)
            reporter(ObjectEvent(item.key, "failed", item.size, reason))
            progress.object_done(failed=True, size=item.size)
        finally:
            if is_large:
                large.release()

    # Items are read from the plan as workers free up (a bounded window, not one future per
    # object up front): a 100,000-object sync holds a few hundred items in memory, not all.
    window = threading.BoundedSemaphore(max(1, workers) * 4)
    errors: list[BaseException] = []

    def finished(future: Future[None]) -> None:
        window.release()
        if future.exception() is not None:
            errors.append(future.exception())  # type: ignore[arg-type]

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sync") as pool:
            for item in todo:
                window.acquire()
                if errors or cancel.is_set():
                    window.release()
                    break
                pool.submit(one, item).add_done_callback(finished)
        if errors:
            raise errors[0]
    finally:
        if own_journal:
            journal.close()
    if journal_failures:
        raise journal_failures[0]
    result.cancelled = cancel.is_set()
    result.elapsed = time.monotonic() - progress.started
    result.failed.sort(key=lambda f: f.key)
    result.resumed.sort(key=lambda r: r.key)
    progress.maybe_emit(force=True)
    reporter(result.finished_event())
    return result
