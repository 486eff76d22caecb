"""Where the app finds the headless core, without importing it at start-up.

The core is imported lazily inside the thread workers that call it, so the first paint never
waits for libcst, boto3 or google-cloud-aiplatform. ``available`` answers "is this part of the
core installed?" cheaply (``find_spec`` only), so a screen can show an honest "not available"
state instead of fake data when a part is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class CorePart:
    """One part of the core the app drives: the module and the function it needs."""

    title: str
    module: str
    attribute: str


SCANNER = CorePart("The project scanner", "liftshift.migrator.scan", "scan_project")
PLANNER = CorePart("The planner", "liftshift.migrator.planner", "plan_from_scan")
MIGRATE = CorePart("The code changes", "liftshift.migrator.migrate", "build_changeset")
APPLY = CorePart("Writing changes", "liftshift.migrator.apply", "apply_changeset")
SYNC = CorePart("The S3 → GCS sync", "liftshift.migrator.sync", "run_sync")
TRAIN = CorePart("Training", "liftshift.trainer", "__name__")
REGISTRY = CorePart("The model registry", "liftshift.trainer", "__name__")


def available(part: CorePart) -> bool:
    """True when the module exists; never imports it (parents are imported, and are light)."""
    try:
        return importlib.util.find_spec(part.module) is not None
    except ModuleNotFoundError:
        return False


def load(part: CorePart) -> object:
    """Import the part and return the function. Call only from a worker thread."""
    module = importlib.import_module(part.module)
    return getattr(module, part.attribute)


def unavailable_text(part: CorePart) -> str:
    return (
        f"{part.title} is not available in this build yet "
        f"(`{part.module}.{part.attribute}` is missing)."
    )
