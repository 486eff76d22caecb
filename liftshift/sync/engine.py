"""Pick the engine for a sync: our verified copier, or Storage Transfer Service.

``auto`` hands the job to Storage Transfer Service (STS) only when all of these hold: target
``gcp``, an ``s3://`` source and a ``gs://`` destination, and at least
:data:`STS_MIN_OBJECTS` objects or :data:`STS_MIN_BYTES` bytes to copy. Below that, one machine
copies faster than STS schedules a job (STS takes minutes to start), and our copier verifies
multipart objects end to end and can resume a half-copied object.
"""

from __future__ import annotations

import threading
from typing import Literal

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import StorageError, StorageURI
from liftshift.sync.copier import CopyOptions
from liftshift.sync.plan import SyncPlan, plan_sync
from liftshift.sync.runner import SyncResult, run_sync

Engine = Literal["auto", "copy", "sts"]
STS_MIN_OBJECTS = 1_000_000
"""A million objects: listing and per-object requests dominate; STS spreads them out."""
STS_MIN_BYTES = 1024**4
"""1 TiB: about 3 hours at a good single machine's 100 MB/s; STS runs it distributed."""


def choose_engine(plan: SyncPlan, settings: Settings, requested: Engine = "auto") -> str:
    """``copy`` or ``sts`` for this plan (see the module docstring for ``auto``)."""
    sts_possible = (
        settings.target == "gcp" and plan.source.scheme == "s3" and plan.destination.scheme == "gs"
    )
    if requested == "sts":
        if not sts_possible:
            raise StorageError(
                "Storage Transfer Service copies s3:// to gs:// on the gcp target only"
            )
        return "sts"
    if requested == "copy" or not sts_possible:
        return "copy"
    todo_bytes = plan.bytes("new") + plan.bytes("changed")
    big = len(plan.to_copy) >= STS_MIN_OBJECTS or todo_bytes >= STS_MIN_BYTES
    return "sts" if big else "copy"


def sync(
    source: StorageURI | str,
    destination: StorageURI | str,
    settings: Settings,
    reporter: Reporter = ignore,
    cancel: threading.Event | None = None,
    *,
    engine: Engine = "auto",
    workers: int = 16,
    role_arn: str | None = None,
    copy_options: CopyOptions | None = None,
) -> SyncResult:
    """Plan, choose the engine and run it: the one call for "copy this prefix, verified"."""
    plan = plan_sync(source, destination, settings)
    if choose_engine(plan, settings, engine) == "sts":
        from liftshift.sync.sts import run_transfer

        return run_transfer(plan, settings, reporter, cancel, role_arn=role_arn)
    return run_sync(plan, settings, reporter, cancel, workers=workers, options=copy_options)
