"""Migrate a small project and run its migrated trainer the way the local target runs a job:
``python -m <module>`` with the backends' arguments (liftshift.trainer.jobs.trainer_args) and
the Vertex AI environment (liftshift.trainer.backends.local.vertex_environment), no SM_*."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from liftshift.foundation.plan import ChannelPlan, Plan
from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.migrate import MigrationResult, migrate_project
from liftshift.trainer.backends.local import vertex_environment
from liftshift.trainer.jobs import trainer_args


@dataclass
class Migrated:
    root: Path
    plan: Plan
    result: MigrationResult

    def text(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")


def write_project(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def migrate(
    root: Path, entry: str, channels: dict[str, str], hyperparameters: dict | None = None
) -> Migrated:
    """Migrate and apply; ``channels``: name → the plan's argument ("" when unknown). Checks
    the run is clean and a second run changes nothing."""
    plan = Plan()
    plan.code.entry_point = entry
    plan.data.channels = [
        ChannelPlan(name=name, argument=flag, destination=f"gs://bucket/{name}")
        for name, flag in channels.items()
    ]
    plan.training.hyperparameters = dict(hyperparameters or {})
    result = migrate_project(root, plan=plan, launchers=[])
    apply_changeset(result.changeset, root)
    again = migrate_project(root, plan=plan, launchers=[])
    assert not again.changeset, again.changeset.diff()
    return Migrated(root, plan, result)


def run_job(
    migrated: Migrated, data: dict[str, Path], work: Path
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the migrated trainer with local folders for the channels; returns the process and
    the model folder (AIP_MODEL_DIR)."""
    base = work / "job"
    dirs = {name: base / name for name in ("model", "checkpoints", "logs")}
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    plan = migrated.plan
    for channel in plan.data.channels:
        channel.destination = str(data[channel.name])
    args = trainer_args(plan, plan.training.hyperparameters, str(dirs["model"]))
    env = {key: value for key, value in os.environ.items() if not key.startswith("SM_")}
    env |= vertex_environment(
        job_id="job-1",
        model_dir=str(dirs["model"]),
        checkpoint_dir=str(dirs["checkpoints"]),
        tensorboard_dir=str(dirs["logs"]),
    )
    completed = subprocess.run(
        [sys.executable, "-m", plan.code.module or "trainer.task", *args],
        cwd=migrated.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed, dirs["model"]
