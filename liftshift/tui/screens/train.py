"""Step 4 - Train: choose where and on what to train, see exactly what will run, launch.

The preview is the core's own ``build_job_spec`` (pure: no network, no files), so what the
screen shows is what gets submitted: worker pools with machine, accelerator and replicas, the
prebuilt container (and why it is not an exact match), the staging bucket and output folder,
and (gcp, or once mapped) the service account and grants from the plan's ``[iam]`` section.
Launching (build the package, stage it, submit) runs in a thread worker; then the Monitor step
follows the job and registers the model when it succeeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from liftshift.tui.messages import CoreProgress, CoreResult
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.widgets.field_input import FieldInput
from liftshift.tui.widgets.format import describe_event

FROM_INSTANCE = "@instance"
"""Option id of "the machine mapped from the SageMaker instance type"."""


class TrainScreen(StepScreen):
    STEP = "train"
    HELP = (
        "Pick the target (local: a subprocess with the Vertex AI environment; gcp: Vertex AI "
        "custom training) and the scale: the machine mapped from the SageMaker instance type, "
        "or a scale-tier preset. The panel on the right shows what will run: worker pools, "
        "machines, accelerators, replicas and the training container. `l` launches; the "
        "Monitor step then follows the job."
    )
    ACTIONS = (("Launch training", "Package the trainer and submit the job", "launch"),)
    BINDINGS = [
        Binding("l", "launch", "Launch"),
        Binding("right_square_bracket", "next_step", "Monitor", key_display="]"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.spec: Any = None
        self._choice = ""

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="train-source", classes="status", markup=False)
        with Horizontal(id="train-main"):
            with Vertical(id="train-left"):
                yield Label("Target", classes="section-title")
                yield Select(
                    [("local", "local"), ("gcp (Vertex AI)", "gcp")],
                    id="train-target",
                    allow_blank=False,
                    value=self.session.settings.target,
                    compact=True,
                )
                yield Label("Scale", classes="section-title")
                yield OptionList(id="train-tiers", compact=True)
                yield Label("Region / staging bucket", classes="section-title")
                yield FieldInput(id="train-region", placeholder="us-central1", compact=True)
                yield FieldInput(
                    id="train-staging", placeholder="gs://bucket (local: automatic)", compact=True
                )
                yield Button("Launch (l)", id="launch", variant="primary", compact=True)
            yield Static("", id="train-preview", markup=False)

    def on_screen_resume(self) -> None:
        self._load_plan()

    # -- the plan and the choices -------------------------------------------------------------
    def _load_plan(self) -> None:
        plan = self.session.plan
        source = self.query_one("#train-source", Static)
        tiers = self.query_one("#train-tiers", OptionList)
        if plan is None:
            source.update("No plan yet: scan the project (1) and save the plan first.")
            tiers.clear_options()
            self.query_one("#train-preview", Static).update("")
            return
        from liftshift.foundation.catalog.machines import load_table

        self.query_one("#train-target", Select).value = self.session.settings.target
        training = plan.training
        instance = training.sagemaker_instance_type
        launch = f", distribution {training.distribution}" if training.distribution else ""
        source.update(
            f"SageMaker: {instance or 'no instance type'} x {training.instance_count}{launch}, "
            f"{training.framework or '?'} {training.framework_version or ''}".rstrip()
        )
        options = []
        if instance:
            options.append(Option(f"like SageMaker ({instance})", id=FROM_INSTANCE))
        for name in load_table().tiers:
            if name == "CUSTOM" and not training.machine_type:
                continue
            options.append(Option(name, id=name))
        selected = self._choice or (training.scale_tier or "").upper() or FROM_INSTANCE
        tiers.clear_options()
        tiers.add_options(options)
        ids = [option.id for option in options]
        tiers.highlighted = ids.index(selected) if selected in ids else 0
        self._choice = ids[tiers.highlighted or 0] if ids else ""
        if not self.query_one("#train-region", Input).value:
            self.query_one("#train-region", Input).value = plan.target.region
        if not self.query_one("#train-staging", Input).value:
            self.query_one("#train-staging", Input).value = training.staging_bucket
        self._preview()

    @on(OptionList.OptionHighlighted, "#train-tiers")
    def _tier_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._choice = event.option.id or ""
        self._preview()

    @on(Select.Changed, "#train-target")
    @on(Input.Changed, "#train-region, #train-staging")
    def _inputs_changed(self) -> None:
        self._preview()

    def _target(self) -> str:
        return str(self.query_one("#train-target", Select).value)

    def _overrides(self) -> Any:
        from liftshift.trainer.jobs import TrainOverrides

        return TrainOverrides(
            target=self._target(),
            scale_tier=None if self._choice in ("", FROM_INSTANCE) else self._choice,
            region=self.query_one("#train-region", Input).value.strip() or None,
            staging_bucket=self.query_one("#train-staging", Input).value.strip() or None,
        )

    def _plan_for_choice(self) -> Any:
        """With "like SageMaker", drop the plan's tier so the instance-type mapping applies."""
        plan = self.session.plan
        if self._choice == FROM_INSTANCE:
            training = dataclasses.replace(plan.training, scale_tier="")
            return dataclasses.replace(plan, training=training)
        return plan

    def _preview(self) -> None:
        """Show the job exactly as the core would build it (``build_job_spec`` is pure)."""
        if self.session.plan is None or not self.is_mounted:
            return
        from liftshift.foundation.catalog.machines import MachineError
        from liftshift.trainer.jobs import build_job_spec

        preview = self.query_one("#train-preview", Static)
        settings = self.session.settings.with_target(self._target())  # type: ignore[arg-type]
        try:
            spec = build_job_spec(self._plan_for_choice(), settings, self._overrides())
        except (ValueError, MachineError) as exc:
            self.spec = None
            preview.update(f"Cannot build this job:\n{exc}")
            return
        self.spec = spec
        lines = ["Worker pools"]
        for pool in spec.pools:
            machine = pool.machine
            accel = (
                f"{machine.accelerator_count} x {machine.accelerator_type}"
                if machine.accelerator_count
                else "no accelerator"
            )
            lines.append(f"  {pool.role}: {pool.replica_count} x {machine.machine_type}")
            lines.append(f"    {accel}")
            if machine.note:
                lines.append(f"    note: {machine.note}")
        if spec.distribution_note:
            lines.append(f"  {spec.distribution_note}")
        lines += ["", "Training container", f"  {spec.executor_image_uri}"]
        if spec.executor_note:
            lines.append(f"  note: {spec.executor_note}")
        lines += [
            "",
            f"Module   {spec.python_module}",
            f"Region   {spec.region}",
            f"Staging  gs://{spec.staging_bucket}",
            f"Model    {spec.model_display_name}",
        ]
        iam = self.session.plan.iam
        if settings.target == "gcp" or iam.grants:
            from liftshift.iam.summary import access_lines

            lines += ["", "Access (SageMaker role -> service account)"]
            lines += [f"  {line}" for line in access_lines(iam)]
        preview.update("\n".join(lines))

    # -- launch -------------------------------------------------------------------------------
    @on(Button.Pressed, "#launch")
    def action_launch(self) -> None:
        if self.session.plan is None or self.spec is None:
            self.notify("Nothing to launch: the job cannot be built yet.", severity="warning")
            return
        self.query_one("#launch", Button).disabled = True
        self.query_one("#train-source", Static).update("Launching…")
        settings = self.session.settings.with_target(self._target())  # type: ignore[arg-type]
        self.launch_worker(self._plan_for_choice(), settings, self._overrides())

    @work(thread=True, exclusive=True, exit_on_error=False, group="train", name="Launch")
    def launch_worker(self, plan: Any, settings: Any, overrides: Any) -> None:
        from liftshift.trainer.service import start_training

        try:
            result = start_training(
                plan, settings, overrides, reporter=lambda e: self.post_message(CoreProgress(e))
            )
        except Exception:
            self.app.call_from_thread(self._launch_done, "Launch failed (see the notification).")
            raise  # the one Worker.StateChanged handler turns it into a notification
        from liftshift.run.pipeline import record_launched_job

        # so that `liftshift run` reattaches to this job (and registers it) after a quit
        record_launched_job(settings, plan, result.handle.job_id)
        self.app.call_from_thread(self._launch_done, f"Submitted {result.handle.job_id}")
        self.post_message(CoreResult("launched", (result, settings)))

    def _launch_done(self, status: str) -> None:
        self.query_one("#launch", Button).disabled = False
        self.query_one("#train-source", Static).update(status)

    def on_core_progress(self, message: CoreProgress) -> None:
        self.query_one("#train-source", Static).update(describe_event(message.event))

    def on_core_result(self, message: CoreResult) -> None:
        if message.kind != "launched":
            return
        result, settings = message.value
        self.session.settings = settings
        self.session.train_result = result
        self.session.job = result.handle
        self.notify(f"Job {result.handle.job_id} submitted", title="Training")
        self.lift_app.action_go("monitor")

    def action_next_step(self) -> None:
        self.lift_app.action_go("monitor")
