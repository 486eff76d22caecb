"""Plans for the app's tests, made by the real scanner and planner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liftshift.foundation.plan import save_plan
from liftshift.migrator.planner import plan_from_scan
from liftshift.scan import scan_project


def save_planned(root: Path, **hyperparameters: Any) -> None:
    """Save the planner's plan for ``root`` as liftshift.toml, with hyperparameters changed the
    way a user edits the file."""
    plan = plan_from_scan(scan_project(root, jobs=1))
    plan.training.hyperparameters.update(hyperparameters)
    save_plan(plan, root, keep_existing=False)
