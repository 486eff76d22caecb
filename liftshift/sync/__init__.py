"""S3 → GCS sync: plan, copy with verification, journal for resuming, Storage Transfer Service.

UI-free: callers pass a :data:`liftshift.foundation.events.Reporter` and a ``threading.Event``
to cancel.
"""

from liftshift.sync.channels import (
    ChannelCheck,
    Seeded,
    check_channels,
    seed,
    sync_channels,
)
from liftshift.sync.copier import CopiedObject, CopyOptions
from liftshift.sync.engine import STS_MIN_BYTES, STS_MIN_OBJECTS, choose_engine, sync
from liftshift.sync.events import ObjectEvent, SyncFinished, SyncProgress, SyncStarted
from liftshift.sync.nearest import EmptySource, nearest_prefix
from liftshift.sync.plan import SyncItem, SyncPlan, plan_sync
from liftshift.sync.runner import FailedObject, SyncResult, run_sync

__all__ = [
    "STS_MIN_BYTES",
    "STS_MIN_OBJECTS",
    "ChannelCheck",
    "CopiedObject",
    "CopyOptions",
    "EmptySource",
    "FailedObject",
    "ObjectEvent",
    "Seeded",
    "SyncFinished",
    "SyncItem",
    "SyncPlan",
    "SyncProgress",
    "SyncResult",
    "SyncStarted",
    "check_channels",
    "choose_engine",
    "nearest_prefix",
    "plan_sync",
    "run_sync",
    "seed",
    "sync",
    "sync_channels",
]
