"""Step 5 - Monitor: follow a training job's state and logs, search them, cancel the job.

The core's ``monitor.follow`` polls the backend (with backoff) in a thread worker and reports
``JobStateChanged`` / ``JobLogLine`` events, and ``JobChecked`` after every poll: the status line
says "last checked N s ago", so a quiet job never looks like a frozen screen. Log lines are
buffered and handed to the screen in batches through one replaceable message, so a chatty job
(100k lines) never floods the UI thread. Jobs from earlier runs come from the backend's own
records and can be reattached.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from liftshift.tui.dialogs.confirm import ConfirmDialog
from liftshift.tui.messages import CoreEvent, CoreResult
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.widgets.format import duration_text
from liftshift.tui.widgets.log_view import JobLog


class LogsArrived(Message):
    """New log lines are waiting in the screen's buffer; replaces an unhandled twin."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LogsArrived)


class MonitorScreen(StepScreen):
    STEP = "monitor"
    HELP = (
        "Follow a training job: its state timeline with timestamps, elapsed time and its log. "
        "Jobs from earlier runs are listed at the top: select one and press enter to follow it. "
        "`f` follows the end of the log (or pauses), `/` searches it, `n` finds the next match, "
        "`c` cancels the job after asking."
    )
    ACTIONS = (
        ("Refresh jobs", "List the training jobs again", "refresh"),
        ("Cancel job", "Cancel the followed job (asks first)", "cancel_job"),
        ("Search log", "Find text in the job log", "search"),
    )
    BINDINGS = [
        Binding("f", "toggle_follow", "Follow"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "next_match", "Next", show=False),
        Binding("c", "cancel_job", "Cancel job"),
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "close_search", "Close search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.job_id: str | None = None
        self.state: str = ""
        self.started: float | None = None
        self.ended: float | None = None
        self.checked_at = 0.0
        """When the follower last asked the backend for the job's state (epoch seconds)."""
        self.timeline: list[str] = []
        self._buffer: list[str] = []
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._shown: threading.Event | None = None
        self._registers = False
        """Whether the current follower also registers the model (never stopped early)."""
        self._registering: set[str] = set()
        self.ended_state = False
        """Whether the followed job has ended (then `c` has nothing to cancel)."""
        self.jobs_loaded = False
        """True once the backend's job list has been read (tests wait for it)."""

    def compose_body(self) -> Iterable[Widget]:
        yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Static(
            "No job followed yet: launch one on Train, or pick one above.",
            id="job-status",
            classes="status",
            markup=False,
        )
        yield Static("", id="timeline", classes="status", markup=False)
        yield JobLog(id="log")
        yield Input(placeholder="search the log (enter: find, esc: close)", id="search")

    def on_mount(self) -> None:
        self.query_one("#search", Input).display = False
        table = self.query_one("#jobs", DataTable)
        table.add_columns("Job", "State", "Started")
        table.styles.height = 6
        self.set_interval(1.0, self._tick)
        self.action_refresh()

    def on_screen_resume(self) -> None:
        """Coming here from Train after a launch: follow the job it started."""
        job = self.session.job
        if job is not None and getattr(job, "job_id", None) != self.job_id:
            self.follow(job.job_id)

    # -- jobs list ----------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.list_worker()

    @work(thread=True, exclusive=True, exit_on_error=False, group="jobs", name="List jobs")
    def list_worker(self) -> None:
        from liftshift.trainer.backends import get_backend

        jobs = get_backend(self.session.settings).list_jobs()
        self.post_message(CoreResult("jobs", jobs))

    def _show_jobs(self, jobs: list[Any]) -> None:
        table = self.query_one("#jobs", DataTable)
        table.clear()
        for status in sorted(jobs, key=lambda s: s.started or 0, reverse=True):
            started = (
                time.strftime("%m-%d %H:%M:%S", time.localtime(status.started))
                if status.started
                else "-"
            )
            table.add_row(status.job_id, status.state.short, started, key=status.job_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.follow(str(event.row_key.value))

    # -- following ----------------------------------------------------------------------------
    def follow(self, job_id: str) -> None:
        """Show ``job_id``. The previous follower stops, unless it is the one that registers
        the model of a job launched in this session: that one runs on, off screen."""
        if self._shown is not None:
            self._shown.clear()
        if self._stop is not None and not self._registers:
            self._stop.set()
        self.job_id = job_id
        self.state, self.started, self.ended = "", time.time(), None
        self.checked_at = 0.0
        self.ended_state = False
        self.timeline = []
        with self._lock:
            self._buffer.clear()
        self.query_one(JobLog).clear()
        launched = self.session.train_result
        self._registers = (
            launched is not None
            and launched.handle.job_id == job_id
            and self.session.model_version is None
            and job_id not in self._registering
        )
        self._stop, self._shown = threading.Event(), threading.Event()
        self._shown.set()
        self.query_one("#job-status", Static).update(f"Following {job_id}…")
        if self._registers:
            self._registering.add(job_id)
        self.follow_worker(job_id, self._stop, self._shown, register=self._registers)

    @work(thread=True, exit_on_error=False, group="follow", name="Follow job")
    def follow_worker(
        self, job_id: str, stop: threading.Event, shown: threading.Event, *, register: bool
    ) -> None:
        from liftshift.trainer.backends import get_backend
        from liftshift.trainer.jobs import JobChecked, JobLogLine, JobStateChanged
        from liftshift.trainer.monitor import follow

        backend = get_backend(self.session.settings)

        def report(event: Any) -> None:
            if stop.is_set() or not shown.is_set():
                return
            if isinstance(event, JobLogLine):
                with self._lock:
                    self._buffer.append(event.text.rstrip("\n"))
                self.post_message(LogsArrived())
            elif isinstance(event, (JobStateChanged, JobChecked)):
                self.post_message(CoreEvent(event))

        if register:
            # launched from this session: follow *and* register the model when it succeeds
            from liftshift.trainer.service import finish_training

            result = finish_training(
                self.session.train_result,
                self.session.settings,
                reporter=report,
                backend=backend,
                stop=stop,
            )
            status = result.status
            if result.model_version is not None:
                from liftshift.run.pipeline import record_registered_version

                record_registered_version(self.session.settings, job_id, result.model_version)
                self.post_message(CoreResult("model", result.model_version))
        else:
            status = follow(backend, job_id, report, stop=stop)
        if not stop.is_set() and shown.is_set():
            self.post_message(CoreResult("job-finished", status))

    def on_unmount(self) -> None:
        """The app is closing: stop polling (the job itself runs on and can be reattached)."""
        if self._stop is not None:
            self._stop.set()

    def on_logs_arrived(self, _message: LogsArrived) -> None:
        with self._lock:
            lines, self._buffer = self._buffer, []
        if lines:
            self.query_one(JobLog).add_lines(lines)

    def on_core_event(self, message: CoreEvent) -> None:
        event = message.event
        if getattr(event, "job_id", None) != self.job_id:
            return
        if hasattr(event, "checked_at"):  # JobChecked: every poll, changed or not
            self.checked_at = event.checked_at
            self._render_status()
            return
        self.state = event.state.short
        self.ended_state = event.state.terminal
        launched = self.session.train_result
        if launched is not None and launched.handle.job_id == event.job_id:
            self.session.job_state = event.state.short
        stamp = time.strftime("%H:%M:%S")
        entry = f"{stamp} {self.state}"
        if event.error:  # often a whole traceback: its exception line says what happened
            from liftshift.trainer.jobs import error_headline

            entry += f" ({error_headline(event.error)[:120]})"
        self.timeline.append(entry)
        if event.state.terminal:
            self.ended = time.time()
        self._render_status()

    def on_core_result(self, message: CoreResult) -> None:
        if message.kind == "jobs":
            self._show_jobs(message.value)
            self.jobs_loaded = True
        elif message.kind == "job-finished":
            status = message.value
            self.ended_state = status.state.terminal
            self.ended = self.ended or time.time()
            self._render_status()
            severity = "information" if status.state.short == "SUCCEEDED" else "warning"
            self.notify(f"{status.job_id}: {status.state.short}", severity=severity)
            self.action_refresh()
        elif message.kind == "model":
            version = message.value
            self.session.model_version = version
            self.notify(
                f"Model {version.model} version {version.version_id} registered (6: Model)",
                title="Model registry",
                timeout=10,
            )
        elif message.kind == "cancelled":
            self.notify(f"Cancel requested: {message.value.state.short}")

    def _tick(self) -> None:
        if self.job_id and self.ended is None:
            self._render_status()

    def _render_status(self) -> None:
        if not self.job_id or self.started is None:
            return
        from liftshift.trainer.monitor import checked_text

        elapsed = (self.ended or time.time()) - self.started
        status = f"{self.job_id}  {self.state or '…'}  elapsed {duration_text(elapsed)}"
        if self.ended is None:
            status += f"  ·  {checked_text(self.checked_at)}"
        self.query_one("#job-status", Static).update(status)
        self.query_one("#timeline", Static).update("  →  ".join(self.timeline[-4:]))

    # -- log keys -----------------------------------------------------------------------------
    def action_toggle_follow(self) -> None:
        following = self.query_one(JobLog).toggle_follow()
        self.notify("Following the log" if following else "Paused: the log stays put")

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    def action_close_search(self) -> None:
        self.query_one("#search", Input).display = False
        self.query_one(JobLog).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.query_one(JobLog).find(event.value)

    def action_next_match(self) -> None:
        self.query_one(JobLog).find(self.query_one("#search", Input).value)

    # -- cancel -------------------------------------------------------------------------------
    def action_cancel_job(self) -> None:
        if not self.job_id:
            self.notify("No job to cancel.", severity="warning")
            return
        job_id = self.job_id
        if self.ended_state:
            self.notify(f"{job_id} already ended ({self.state}): nothing to cancel.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel_worker(job_id)

        self.app.push_screen(
            ConfirmDialog(f"Cancel training job {job_id}?", "The job stops; its logs stay."),
            answered,
        )

    @work(thread=True, exit_on_error=False, group="cancel", name="Cancel job")
    def cancel_worker(self, job_id: str) -> None:
        from liftshift.trainer.backends import get_backend

        status = get_backend(self.session.settings).cancel(job_id)
        self.post_message(CoreResult("cancelled", status))
