"""Step 3 - Data: the channel -> GCS mapping, a dry-run plan, then the verified sync.

Everything runs in thread workers over the core's sync (``plan_sync`` / ``run_sync``): listing
buckets and copying are blocking calls. ``SyncProgress`` snapshots are throttled by the core and
replace each other here; per-object events are buffered and applied in batches, so a bucket
with many objects never floods the screen. Cancelling stops between chunks; the core's journal
keeps what was verified and half-uploaded, so a later sync (or the CLI) resumes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, ProgressBar, Static

from liftshift.foundation.events import human_bytes, printable
from liftshift.tui.messages import CoreEvent, CoreProgress, CoreResult
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.widgets.format import duration_text

MAX_OBJECT_ROWS = 2000
"""Rows kept in the per-object table; the counters above it always cover every object."""
FAILURES_SHOWN = 3
"""Failures named above the table (all are counted, and rows show them)."""


class ObjectsArrived(Message):
    """Per-object events wait in the screen's buffer; replaces an unhandled twin."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ObjectsArrived)


class DataScreen(StepScreen):
    STEP = "data"
    HELP = (
        "Each data channel of the plan is copied from S3 to GCS. `d` lists both sides and shows "
        "what a sync would do (new, changed, identical objects and bytes) without copying. `s` "
        "copies and verifies every object (MD5/CRC32C checked while streaming); `x` cancels. "
        "The sync is resumable: verified objects are recorded, so closing the app loses "
        "nothing. On the local target, sample data in the project seeds the local S3 first."
    )
    ACTIONS = (
        ("Dry run", "Show what the sync would copy", "dry_run"),
        ("Start sync", "Copy and verify the data", "sync"),
        ("Cancel sync", "Stop the running sync (resumable)", "cancel_sync"),
    )
    BINDINGS = [
        Binding("d", "dry_run", "Dry run"),
        Binding("s", "sync", "Sync"),
        Binding("x", "cancel_sync", "Cancel"),
        Binding("right_square_bracket", "next_step", "Train", key_display="]"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._cancel: threading.Event | None = None
        self._buffer: list[Any] = []
        self._lock = threading.Lock()
        self.verified = 0
        self.failed = 0
        self.failures: list[tuple[str, str]] = []
        """The first :data:`FAILURES_SHOWN` failures (``failed`` counts them all)."""
        self._cancelled_by_user = False
        self._counts: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}
        """Last dry-run counts per (channel, source, destination): shown again on return."""

    def compose_body(self) -> Iterable[Widget]:
        yield DataTable(id="mapping", cursor_type="row")
        yield Static("", id="sync-status", classes="status", markup=False)
        yield ProgressBar(total=None, id="sync-progress", show_eta=False)
        yield Static("", id="sync-failures", classes="status", markup=False)
        yield DataTable(id="objects", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        mapping = self.query_one("#mapping", DataTable)
        mapping.add_column("Channel")
        for label, width in (("New", 5), ("Chg", 5), ("Same", 5), ("Bytes", 9)):
            mapping.add_column(label, width=width)
        mapping.add_columns("Source", "Destination")
        mapping.styles.height = 5
        self.query_one("#objects", DataTable).add_columns("Object", "State", "Size", "Detail")
        self.query_one("#sync-progress", ProgressBar).display = False

    def on_screen_resume(self) -> None:
        if self._cancel is None or self._cancel.is_set():
            self._show_mapping()

    def _channels(self) -> list[Any]:
        plan = self.session.plan
        return [] if plan is None else [c for c in plan.data.channels if c.source]

    def _show_mapping(self) -> None:
        mapping = self.query_one("#mapping", DataTable)
        mapping.clear()
        channels = self._channels()
        for channel in channels:
            counts = self._counts.get(
                (channel.name, channel.source, channel.destination), ("", "", "", "")
            )
            mapping.add_row(
                channel.name,
                *counts,
                channel.source,
                channel.destination or "(not set)",
                key=channel.name,
            )
        status = self.query_one("#sync-status", Static)
        if self.session.plan is None:
            status.update("No plan yet: scan the project (1) and save the plan first.")
        elif not channels:
            status.update("The plan has no data channels.")
        elif not self.verified and not self.failed:
            status.update("d: dry run (what would be copied), s: sync.")

    # -- dry run and sync ---------------------------------------------------------------------
    def action_dry_run(self) -> None:
        self._start(copy=False)

    def action_sync(self) -> None:
        self._start(copy=True)

    def _start(self, *, copy: bool) -> None:
        if self._cancel is not None and not self._cancel.is_set():
            self.notify("A sync is already running (x cancels it).", severity="warning")
            return
        channels = [c for c in self._channels() if c.destination]
        if not channels:
            self.notify("No channel with a source and a gs:// destination.", severity="warning")
            return
        self._show_mapping()
        self.verified, self.failed, self.failures = 0, 0, []
        self._cancelled_by_user = False
        self.query_one("#sync-failures", Static).update("")
        self.query_one("#objects", DataTable).clear()
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#sync-status", Static).update("Listing both sides…")
        self._cancel = threading.Event()
        self.sync_worker(channels, self.session.settings, self._cancel, copy)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync", name="Sync")
    def sync_worker(
        self, channels: list[Any], settings: Any, cancel: threading.Event, copy: bool
    ) -> None:
        from liftshift.sync import ObjectEvent, SyncProgress, plan_sync
        from liftshift.sync.channels import prepare_channel
        from liftshift.sync.engine import sync

        def report(event: Any) -> None:
            if isinstance(event, ObjectEvent):
                with self._lock:
                    self._buffer.append(event)
                self.post_message(ObjectsArrived())
            elif isinstance(event, SyncProgress):
                self.post_message(CoreProgress(event))
            else:
                self.post_message(CoreEvent(event))

        try:
            for channel in channels:
                prepare_channel(channel, settings, report)
                sync_plan = plan_sync(channel.source, channel.destination, settings)
                self.post_message(CoreResult("sync-plan", (channel.name, sync_plan)))
            if not copy:
                return
            for channel in channels:
                if cancel.is_set():
                    break
                # the core's one call: re-plans, picks copy or Storage Transfer Service
                result = sync(
                    channel.source,
                    channel.destination,
                    settings,
                    report,
                    cancel,
                    engine=self.session.plan.data.engine,
                )
                self.post_message(CoreResult("sync-result", (channel.name, result)))
        finally:
            self.post_message(CoreResult("sync-done", copy))
            cancel.set()

    def action_cancel_sync(self) -> None:
        if self._cancel is None or self._cancel.is_set():
            self.notify("No sync is running.", severity="warning")
            return
        self._cancel.set()
        self._cancelled_by_user = True
        self.query_one("#sync-status", Static).update("Cancelling (what is verified is kept)…")

    # -- what the worker reports --------------------------------------------------------------
    def on_core_progress(self, message: CoreProgress) -> None:
        event = message.event
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=max(event.bytes_total, 1), progress=event.bytes_done)
        eta = duration_text(event.eta_seconds) if event.eta_seconds is not None else "-"
        self.query_one("#sync-status", Static).update(
            f"{event.objects_done}/{event.objects_total} objects  "
            f"{human_bytes(event.bytes_done)} of {human_bytes(event.bytes_total)}  "
            f"{human_bytes(event.bytes_per_second)}/s  ETA {eta}  "
            f"verified {self.verified}  failed {event.failed}"
        )

    def on_core_event(self, message: CoreEvent) -> None:
        from liftshift.sync import SyncStarted  # loaded already by the sync worker
        from liftshift.sync.channels import Seeded

        event = message.event
        if isinstance(event, SyncStarted) and not event.dry_run:
            self.query_one("#sync-status", Static).update(
                f"Copying {event.objects} object(s), {human_bytes(event.bytes)} with the "
                f"{'Storage Transfer Service' if event.engine == 'sts' else 'verified copier'}…"
            )
        elif isinstance(event, Seeded):
            self.notify(
                f"Local S3 seeded from sample data: {event.objects} object(s) in "
                f"{event.destination}",
                title="Local target",
            )

    def on_objects_arrived(self, _message: ObjectsArrived) -> None:
        with self._lock:
            events, self._buffer = self._buffer, []
        table = self.query_one("#objects", DataTable)
        for event in events:
            if event.state == "verified":
                self.verified += 1
            elif event.state == "failed":
                self.failed += 1
                if len(self.failures) < FAILURES_SHOWN:
                    self.failures.append((event.key, event.detail))
            cells = (  # Text, not str: a key like "a[b]" is not markup
                Text(printable(event.key)),
                event.state,
                human_bytes(event.size),
                Text(printable(event.detail)),
            )
            if event.key in table.rows:
                for column, value in zip(table.columns, cells, strict=False):
                    table.update_cell(event.key, column, value, update_width=True)
            elif table.row_count < MAX_OBJECT_ROWS:
                table.add_row(*cells, key=event.key)
        self._show_failures()

    def _show_failures(self) -> None:
        if not self.failed:
            return
        lines = [f"{self.failed} failed:"]
        lines += [f"  {printable(key)}: {printable(reason)}" for key, reason in self.failures]
        if self.failed > len(self.failures):
            lines.append(f"  … and {self.failed - len(self.failures)} more (see the table)")
        self.query_one("#sync-failures", Static).update("\n".join(lines))

    def on_core_result(self, message: CoreResult) -> None:
        if message.kind == "sync-plan":
            name, sync_plan = message.value
            mapping = self.query_one("#mapping", DataTable)
            channel = next((c for c in self._channels() if c.name == name), None)
            if name in mapping.rows and channel is not None:
                values = (
                    str(sync_plan.count("new")),
                    str(sync_plan.count("changed")),
                    str(sync_plan.count("identical")),
                    human_bytes(sync_plan.bytes("new") + sync_plan.bytes("changed")),
                )
                self._counts[(name, channel.source, channel.destination)] = values
                for column, value in zip(list(mapping.columns)[1:5], values, strict=False):
                    mapping.update_cell(name, column, value, update_width=True)
        elif message.kind == "sync-result":
            name, result = message.value
            self.session.sync_result = result  # (each failure arrived as an ObjectEvent)
        elif message.kind == "sync-done":
            self.query_one("#sync-progress", ProgressBar).display = False
            status = self.query_one("#sync-status", Static)
            if not message.value:
                status.update("Dry run done: nothing was copied. s: sync.")
                return
            counts = f"verified {self.verified}, failed {self.failed}"
            if self._cancelled_by_user:
                status.update(f"Sync cancelled: {counts}. s resumes where it stopped.")
            elif self.failed:
                status.update(f"Sync finished with failures: {counts}. s retries them.")
            else:
                status.update(f"Sync done: {counts}. Every copied object is verified.")

    def action_next_step(self) -> None:
        self.lift_app.action_go("train")
