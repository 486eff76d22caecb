"""Sync progress events: what the CLI's rich bars and the app's Data screen render.

They are frozen dataclasses handed to a :data:`liftshift.foundation.events.Reporter` from worker
threads. :class:`SyncProgress` is a throttled snapshot (a few per second) that carries everything a
progress bar needs, so a UI can simply show the latest one; the per-object events are for logs
and per-object state columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ObjectState = Literal["copying", "resuming", "verified", "failed", "skipped"]


@dataclass(frozen=True)
class SyncStarted:
    source: str
    destination: str
    engine: Literal["copy", "sts"]
    objects: int
    bytes: int
    dry_run: bool = False


@dataclass(frozen=True)
class ObjectEvent:
    """One object changed state (``resuming`` carries the offset already uploaded)."""

    key: str
    state: ObjectState
    size: int
    detail: str = ""
    resumed_from: int = 0


@dataclass(frozen=True)
class SyncProgress:
    objects_done: int
    objects_total: int
    bytes_done: int
    bytes_total: int
    failed: int
    elapsed: float
    bytes_per_second: float
    eta_seconds: float | None


@dataclass(frozen=True)
class SyncFinished:
    source: str
    destination: str
    verified: int
    failed: int
    skipped: int
    bytes_copied: int
    elapsed: float
    cancelled: bool
