"""S3 → GCS sync: plan, copy with verification, journal for resuming, Storage Transfer Service.

UI-free: callers pass a :data:`liftshift.events.Reporter` and a ``threading.Event`` to cancel.
"""

from liftshift.migrator.sync.copier import CopiedObject, CopyOptions
from liftshift.migrator.sync.events import ObjectEvent, SyncFinished, SyncProgress, SyncStarted
from liftshift.migrator.sync.plan import SyncItem, SyncPlan, plan_sync
from liftshift.migrator.sync.runner import FailedObject, SyncResult, run_sync

__all__ = [
    "CopiedObject",
    "CopyOptions",
    "FailedObject",
    "ObjectEvent",
    "SyncFinished",
    "SyncItem",
    "SyncPlan",
    "SyncProgress",
    "SyncResult",
    "SyncStarted",
    "plan_sync",
    "run_sync",
]
