"""The plan form: the editable settings of ``liftshift.toml`` (target, region, tier, buckets).

It only shows a Plan and reads the edits back into a new Plan; saving is the screen's job
(``save_plan``), so the widget never touches the disk. It fills itself from the pending plan
when it mounts, because the screen mounts it lazily (after the first paint: Select widgets are
the slowest part of the Project screen to build).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from liftshift.tui.widgets.field_input import FieldInput

FALLBACK_TIERS = ("BASIC", "BASIC_GPU", "BASIC_TPU", "STANDARD_1", "PREMIUM_1", "CUSTOM")


def tier_choices() -> list[str]:
    """Tier names from the trainer's machine table (the one source of truth), if present."""
    try:
        from liftshift.foundation.catalog.machines import tier_names
    except ImportError:
        return list(FALLBACK_TIERS)
    return tier_names()


class PlanForm(VerticalScroll):
    DEFAULT_CSS = """
    PlanForm { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pending: tuple[Any, str] | None = None
        self._tiers: list[str] = []

    def compose(self) -> ComposeResult:
        self._tiers = tier_choices()
        yield Static("No plan yet.", id="plan-source", classes="status", markup=False)
        yield self._row(
            "Target",
            Select(
                [("local (no account)", "local"), ("gcp (Vertex AI)", "gcp")],
                id="plan-target",
                allow_blank=False,
                value="local",
            ),
        )
        yield self._row("GCP project", FieldInput(id="plan-gcp-project", compact=True))
        yield self._row("Region", FieldInput(id="plan-region", compact=True))
        yield self._row(
            "Scale tier",
            Select(
                [(tier, tier) for tier in self._tiers],
                id="plan-tier",
                allow_blank=False,
                value=self._tiers[0],
                compact=True,
            ),
        )
        yield self._row(
            "Staging bucket", FieldInput(id="plan-staging", placeholder="gs://…", compact=True)
        )
        yield Label("Channel → GCS destination", classes="section-title")
        yield VerticalScroll(id="plan-channels")
        with Horizontal(classes="toolbar"):
            yield Button(
                "Save liftshift.toml (ctrl+s)", id="save-plan", variant="primary", compact=True
            )

    @staticmethod
    def _row(label: str, field: Any) -> Horizontal:
        return Horizontal(Label(label), field, classes="form-row")

    def on_mount(self) -> None:
        if self._pending is not None:
            self.show(*self._pending)

    def show(self, plan: Any, note: str) -> None:
        """Display ``plan``; kept for later if the form is not mounted yet."""
        self._pending = (plan, note)
        if not self.is_mounted:
            return
        self.query_one("#plan-source", Static).update(note)
        self.query_one("#plan-target", Select).value = plan.target.name
        self.query_one("#plan-gcp-project", Input).value = plan.target.gcp_project
        self.query_one("#plan-region", Input).value = plan.target.region
        tier = plan.training.scale_tier
        tier_select = self.query_one("#plan-tier", Select)
        if tier not in self._tiers:
            self._tiers.append(tier)
            tier_select.set_options([(t, t) for t in self._tiers])
        tier_select.value = tier
        self.query_one("#plan-staging", Input).value = plan.training.staging_bucket
        box = self.query_one("#plan-channels", VerticalScroll)
        box.remove_children()
        box.mount_all(
            Horizontal(
                Label(channel.name or f"channel {index}"),
                FieldInput(
                    channel.destination,
                    id=f"plan-channel-{index}",
                    placeholder="gs://…",
                    compact=True,
                ),
                classes="form-row",
            )
            for index, channel in enumerate(plan.data.channels)
        )

    def set_note(self, note: str) -> None:
        if self.is_mounted:
            self.query_one("#plan-source", Static).update(note)

    def edited(self, plan: Any) -> Any:
        """A copy of ``plan`` with the form's values; raises ValueError on a bad value."""
        if not self.is_mounted:
            return plan
        target = dataclasses.replace(
            plan.target,
            name=self.query_one("#plan-target", Select).value,
            gcp_project=self.query_one("#plan-gcp-project", Input).value.strip(),
            region=self.query_one("#plan-region", Input).value.strip() or plan.target.region,
        )
        staging = self.query_one("#plan-staging", Input).value.strip()
        if staging and not staging.startswith("gs://"):
            raise ValueError(f"staging bucket must start with gs://, got {staging!r}")
        training = dataclasses.replace(
            plan.training,
            scale_tier=str(self.query_one("#plan-tier", Select).value),
            staging_bucket=staging,
        )
        channels = []
        for index, channel in enumerate(plan.data.channels):
            destination = self.query_one(f"#plan-channel-{index}", Input).value.strip()
            if destination and not destination.startswith("gs://"):
                raise ValueError(f"channel {channel.name}: destination must start with gs://")
            channels.append(dataclasses.replace(channel, destination=destination))
        data = dataclasses.replace(plan.data, channels=channels)
        return dataclasses.replace(plan, target=target, training=training, data=data)
