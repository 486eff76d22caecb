"""What the app knows about the project being migrated, shared by every screen.

One plain object held by the app; screens read it and replace its fields with what the core
returned. Nothing here talks to the core or to the disk: persistence lives in the core
(``liftshift.toml``, the sync journal, job records), so closing the app loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liftshift.foundation.settings import Settings


@dataclass
class Session:
    settings: Settings
    scan: Any = None
    """The last :class:`~liftshift.scan.project.ProjectScan`, or None before a scan."""
    plan: Any = None
    """The :class:`~liftshift.foundation.plan.Plan` shown in the form (saved or not)."""
    changes: Any = None
    """The ChangeSet under review on the Changes screen."""
    sync_result: Any = None
    train_result: Any = None
    """The ``TrainResult`` of a job launched in this session (Monitor registers its model)."""
    job: Any = None
    """The training job the Monitor screen follows."""
    job_state: str = ""
    """Last known state (``RUNNING``, ``SUCCEEDED``…) of the job launched in this session."""
    model_version: Any = None

    def use_plan(self, plan: Any) -> None:
        """Make ``plan`` current; its target, GCP project and region win over the environment,
        by the same core rule the CLI follows (``settings_for_plan``)."""
        from liftshift.foundation.plan import settings_for_plan  # tomlkit: not before first paint

        self.plan = plan
        self.settings = settings_for_plan(plan, self.settings)
