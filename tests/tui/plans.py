"""Plans for the app's tests, made by the real scanner and planner."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from liftshift.migrator.plan import save_plan
from liftshift.migrator.planner import plan_from_scan
from liftshift.migrator.scan import scan_project


def save_folder_channel_plan(root: Path) -> None:
    """The planner's plan with each channel as a folder (``s3://…/train/`` seeded from
    ``data/train``), the shape the example trainer reads; saved as liftshift.toml like a user
    would after editing it."""
    plan = plan_from_scan(scan_project(root, jobs=1))
    channels = [
        dataclasses.replace(
            channel,
            source=channel.source.rsplit("/", 1)[0] + "/",
            destination=channel.destination.rsplit("/", 1)[0] + "/",
            sample_data=Path(channel.sample_data).parent.as_posix(),
        )
        for channel in plan.data.channels
    ]
    save_plan(
        dataclasses.replace(plan, data=dataclasses.replace(plan.data, channels=channels)), root
    )
