"""Step 1 — Project: pick the folder, scan it, read what is SageMaker-specific, edit the plan.

The scan runs in a thread worker (libcst parsing can take seconds on a big repo) and reports
through ``CoreProgress`` messages, so the screen never freezes. The plan form edits
``liftshift.toml``: it is loaded from the file when there is one (the user's edits win), else
proposed by the planner from the scan, and written with ``save_plan`` only when you ask.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import (
    Button,
    DataTable,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from liftshift.tui.dialogs.folder import FolderDialog
from liftshift.tui.messages import CoreProgress, CoreResult
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.widgets.format import describe_event, value_text
from liftshift.tui.widgets.plan_form import PlanForm

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclasses.dataclass(frozen=True)
class ScanOutcome:
    scan: Any
    plan: Any
    plan_source: str
    """``liftshift.toml`` (loaded and completed by the planner) or ``planner`` (not saved)."""
    entry_reason: str = ""
    """Why the planner proposes this entry point (``entry point train.py: main guard, …``)."""


class Overview(Vertical):
    """The scan's tables in tabs, and the plan form."""

    DEFAULT_CSS = "Overview { height: 1fr; }"

    def __init__(self, plan_form: PlanForm) -> None:
        super().__init__()
        self.plan_form = plan_form

    def compose(self) -> ComposeResult:
        with TabbedContent(id="overview"):
            for table_id, title in (
                ("launchers", "Launchers"),
                ("scripts", "Scripts"),
                ("channels", "Channels"),
                ("hyperparams", "Hyperparams"),
                ("findings", "Findings"),
            ):
                with TabPane(title, id=f"tab-{table_id}"):
                    yield DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
            with TabPane("Plan", id="tab-plan"):
                yield self.plan_form


class ProjectScreen(StepScreen):
    STEP = "project"
    HELP = (
        "Choose the project folder and scan it. The tabs show what is SageMaker-specific: "
        "launchers (estimators and where they run), training scripts, data channels with their "
        "S3 URIs, hyperparameters and instance types, and findings by severity. The **Plan** "
        "tab edits `liftshift.toml`, the file every later step (and the CLI) reads."
    )
    ACTIONS = (
        ("Scan project", "Scan the project folder again", "scan"),
        ("Open folder", "Choose another project folder", "open_folder"),
        ("Save plan", "Write liftshift.toml from the plan form", "save_plan"),
    )
    BINDINGS = [
        Binding("o", "open_folder", "Open", tooltip="Choose the project folder"),
        Binding("s", "scan", "Scan", tooltip="Scan the project again"),
        Binding("ctrl+s", "save_plan", "Save plan", tooltip="Write liftshift.toml"),
        Binding("right_square_bracket", "next_step", "Changes", key_display="]"),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="project-path", classes="status", markup=False)
        yield Static(id="scan-status", classes="status", markup=False)
        yield ProgressBar(total=None, id="scan-progress", show_eta=False)
        yield Vertical(id="overview-holder")

    def __init__(self) -> None:
        super().__init__()
        self.plan_form = PlanForm(id="plan-form")

    def on_mount(self) -> None:
        self.query_one("#scan-progress", ProgressBar).display = False
        self._show_path()
        self._status("Preparing…")
        # The overview (tabs, tables, the plan form) is a third of this screen's start-up cost
        # and holds nothing before the scan: build it a moment after the frame is painted
        # (a refresh callback runs before the first paint), then start the scan.
        self.set_timer(0.1, self._build_overview)

    async def _build_overview(self) -> None:
        overview = Overview(self.plan_form)
        holder = self.query_one("#overview-holder", Vertical)
        if not holder.is_attached:
            return
        await holder.mount(overview)
        if not self.query("#launchers"):
            return  # the app closed while mounting: the overview was never composed
        self._set_columns()
        self.action_scan()

    def _set_columns(self) -> None:
        columns = {
            "launchers": ("Where", "Estimator", "Framework", "Version", "Instance type", "Count"),
            "scripts": ("Script", "SM_* reads", "/opt/ml", "Args", "Saves", "Main guard"),
            "channels": ("Launcher", "Channel", "S3 URI", "Input mode"),
            "hyperparams": ("Launcher", "Name", "Value"),
            "findings": ("Severity", "Code", "Where", "Message"),
        }
        for table_id, names in columns.items():
            self.query_one(f"#{table_id}", DataTable).add_columns(*names)

    def _show_path(self) -> None:
        project = self.session.settings.project_dir
        self.query_one("#project-path", Static).update(
            f"Project: {project.name or project}   Target: {self.session.settings.target}"
        )

    def _status(self, text: str) -> None:
        self.query_one("#scan-status", Static).update(text)

    # -- actions ------------------------------------------------------------------------------
    def action_open_folder(self) -> None:
        self.app.push_screen(FolderDialog(self.session.settings.project_dir), self._folder_chosen)

    def _folder_chosen(self, path: Path | None) -> None:
        if path is None:
            return
        self.session.settings = dataclasses.replace(self.session.settings, project_dir=path)
        self.session.scan = None
        self.session.plan = None
        self.session.changes = None
        self._show_path()
        self.action_scan()

    def action_scan(self) -> None:
        bar = self.query_one("#scan-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._status("Scanning…")
        self.scan_worker(self.session.settings.project_dir)

    def action_next_step(self) -> None:
        self.lift_app.action_go("changes")

    @work(thread=True, exclusive=True, exit_on_error=False, group="scan", name="Scan")
    def scan_worker(self, root: Path) -> None:
        from liftshift.scan import scan_project

        worker = get_current_worker()

        def report(event: Any) -> None:
            if not worker.is_cancelled:
                self.post_message(CoreProgress(event))

        scan = scan_project(root, reporter=report)
        plan, source, reason = self._plan_for(root, scan)
        if not worker.is_cancelled:
            self.post_message(CoreResult("scan", ScanOutcome(scan, plan, source, reason)))

    @staticmethod
    def _plan_for(root: Path, scan: Any) -> tuple[Any, str, str]:
        """The plan on disk when there is one; else the planner's proposal (not yet saved);
        and, for a proposal, why it chose its entry point."""
        from liftshift.foundation.plan import load_plan, plan_path
        from liftshift.migrator.planner import propose

        existing = load_plan(root) if plan_path(root).exists() else None
        proposal = propose(scan, existing=existing)
        reasons = [note for note in proposal.notes if note.startswith("entry point ")]
        if existing is not None:
            return proposal.plan, "liftshift.toml", ""
        return proposal.plan, "planner", reasons[0] if reasons else ""

    def on_core_progress(self, message: CoreProgress) -> None:
        event = message.event
        done, total = getattr(event, "done", None), getattr(event, "total", None)
        counted = isinstance(done, int) and isinstance(total, int) and total
        if counted:
            self.query_one("#scan-progress", ProgressBar).update(total=total, progress=done)
        path = getattr(event, "path", None)
        if isinstance(path, str) and path:
            # the scanner's ScanProgress: the file just analysed, and how far along
            self._status(f"Scanning {path} ({done}/{total})" if counted else f"Scanning {path}")
        else:
            self._status(f"Scanning… {describe_event(event)}")

    def on_core_result(self, message: CoreResult) -> None:
        if message.kind != "scan":
            return
        outcome: ScanOutcome = message.value
        self.query_one("#scan-progress", ProgressBar).display = False
        self.session.scan = outcome.scan
        self._show_scan(outcome.scan)
        self.session.use_plan(outcome.plan)
        self._fill_form(outcome.plan, outcome.plan_source, outcome.entry_reason)

    # -- overview -----------------------------------------------------------------------------
    def _show_scan(self, scan: Any) -> None:
        launchers = self.query_one("#launchers", DataTable)
        scripts = self.query_one("#scripts", DataTable)
        channels = self.query_one("#channels", DataTable)
        hyperparams = self.query_one("#hyperparams", DataTable)
        findings = self.query_one("#findings", DataTable)
        for table in (launchers, scripts, channels, hyperparams, findings):
            table.clear()
        for launcher in scan.launchers:
            where = str(launcher.location)
            launchers.add_row(
                where,
                launcher.estimator.rsplit(".", 1)[-1],
                launcher.framework or "custom",
                value_text(launcher.framework_version),
                value_text(launcher.instance_type),
                value_text(launcher.instance_count),
            )
            for channel in launcher.channels:
                channels.add_row(
                    where, channel.name, value_text(channel.uri), channel.input_mode or "File"
                )
            for name, value in sorted(launcher.hyperparameters.items()):
                hyperparams.add_row(where, name, value_text(value))
        for entry in scan.entry_points:
            scripts.add_row(
                entry.path,
                str(len(entry.env_reads)),
                str(len(entry.opt_ml_paths)),
                str(len(entry.arguments)),
                str(len(entry.model_saves)),
                "yes" if entry.has_main_guard else "no",
            )
        ordered = sorted(
            scan.findings, key=lambda f: (SEVERITY_ORDER.get(str(f.severity), 9), str(f.location))
        )
        for finding in ordered:
            findings.add_row(
                str(finding.severity), finding.code, str(finding.location), finding.message
            )
        counts = {
            severity: sum(1 for f in scan.findings if str(f.severity) == severity)
            for severity in SEVERITY_ORDER
        }
        kind = "" if scan.is_sagemaker_project else "no SageMaker code found. "
        self._status(
            f"{kind}{scan.files_scanned} files, {len(scan.launchers)} launcher(s), "
            f"{len(scan.entry_points)} script(s); findings: {counts['error']} error, "
            f"{counts['warning']} warning, {counts['info']} info"
        )

    # -- plan form ----------------------------------------------------------------------------
    def _fill_form(self, plan: Any, source: str, reason: str = "") -> None:
        note = {
            "liftshift.toml": "Loaded from liftshift.toml.",
            "planner": "Proposed from the scan - not saved yet (ctrl+s).",
        }.get(source, "")
        if reason:
            note += f" {reason[0].upper()}{reason[1:]}."
        self.plan_form.show(plan, note)

    @on(Button.Pressed, "#save-plan")
    def action_save_plan(self) -> None:
        from liftshift.foundation.plan import save_plan

        if self.session.plan is None:
            self.notify("Nothing to save yet: scan the project first.", severity="warning")
            return
        form = self.plan_form
        try:
            plan = form.edited(self.session.plan)
        except ValueError as exc:
            self.notify(str(exc), severity="error", title="Plan not saved", markup=False)
            return
        path = save_plan(plan, self.session.settings.project_dir, keep_existing=False)
        self.session.use_plan(plan)
        self._show_path()
        form.set_note("Saved to liftshift.toml.")
        self.notify(f"Wrote {path.name}", title="Plan saved")
