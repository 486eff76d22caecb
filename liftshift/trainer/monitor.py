"""Follow a job on any backend: state with backoff, log tail, until it ends or we stop.

One loop for every backend (they only answer ``status``/``logs``), reporting
:class:`~liftshift.trainer.jobs.JobStateChanged` and :class:`~liftshift.trainer.jobs.JobLogLine`
events, and :class:`~liftshift.trainer.jobs.JobChecked` after every status check so a live view
can say how fresh what it shows is. Polling backs off while nothing happens (a queued Vertex job
can wait minutes, and the API has quotas) and snaps back to fast as soon as something does;
``settings.poll_interval`` caps the wait between checks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from liftshift.foundation.events import Reporter
from liftshift.foundation.secrets import redact_text, secret_values
from liftshift.trainer.backends.base import LogBatch, TrainingBackend
from liftshift.trainer.jobs import JobChecked, JobLogLine, JobStateChanged, JobStatus


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.5
    maximum: float = 10.0
    factor: float = 1.6

    def next(self, current: float) -> float:
        return min(self.maximum, current * self.factor)


LOCAL_BACKOFF = Backoff(initial=0.1, maximum=0.25, factor=1.5)
"""A local job's state is a small file on this machine: checking it four times a second costs
nothing, and a run (train, then verify's two jobs) learns each job ended that much sooner."""
VERTEX_BACKOFF = Backoff(initial=2.0, maximum=30.0, factor=1.6)


def backoff_for(backend: TrainingBackend) -> Backoff:
    """How often to check ``backend``'s jobs: the backend's own (tests set a fast one), else
    its default capped at ``settings.poll_interval`` when the user set one."""
    explicit = getattr(backend, "backoff", None)
    if explicit is not None:
        return explicit
    default = LOCAL_BACKOFF if backend.name == "local" else VERTEX_BACKOFF
    settings = getattr(backend, "settings", None)
    interval = getattr(settings, "poll_interval", None)
    if not interval:
        return default
    return replace(default, initial=min(default.initial, interval), maximum=interval)


def follow(
    backend: TrainingBackend,
    job_id: str,
    reporter: Reporter,
    *,
    backoff: Backoff | None = None,
    stop: threading.Event | None = None,
    logs: bool = True,
) -> JobStatus:
    """Report state changes and new log lines until the job is in a terminal state (returns
    its final status) or ``stop`` is set (returns the latest status; the job runs on)."""
    backoff = backoff or backoff_for(backend)
    stop = stop or threading.Event()
    try:
        return _follow(backend, job_id, reporter, backoff, stop, logs=logs)
    finally:
        close_logs = getattr(backend, "close_logs", None)
        if close_logs is not None:  # a live log stream (Vertex on gRPC) ends with the follow
            close_logs(job_id)


def _follow(
    backend: TrainingBackend,
    job_id: str,
    reporter: Reporter,
    backoff: Backoff,
    stop: threading.Event,
    *,
    logs: bool,
) -> JobStatus:
    started = time.monotonic()
    cursor = ""
    last_state = None
    delay = backoff.initial
    while True:
        status = backend.status(job_id)
        reporter(JobChecked(job_id, status.state, time.time()))
        changed = status.state != last_state
        last_state = status.state
        event = JobStateChanged(job_id, status.state, time.monotonic() - started, status.error)
        if changed and not status.state.terminal:  # RUNNING before the lines it produced
            reporter(event)
        batch = _drain(backend, job_id, cursor, reporter) if logs else None
        if batch is not None:
            cursor = batch.cursor
        if status.state.terminal:
            if logs and backend.name != "local":
                # Cloud Logging ingests with a delay: one more read for the last lines
                stop.wait(backoff.initial)
                _drain(backend, job_id, cursor, reporter)
            if changed:  # SUCCEEDED/FAILED after the last lines
                reporter(event)
            return status
        activity = changed or bool(batch and batch.lines)
        delay = backoff.initial if activity else backoff.next(delay)
        if stop.wait(delay):
            return status


def checked_text(checked_at: float, now: float | None = None) -> str:
    """``last checked 4 s ago`` for a live view, from a :class:`JobChecked` time: a view that
    shows it can never leave the user staring at a state that silently stopped updating."""
    if not checked_at:
        return "not checked yet"
    ago = max(0, int((time.time() if now is None else now) - checked_at))
    if ago < 120:
        return f"last checked {ago} s ago"
    return f"last checked {ago // 60} min ago"


def read_logs(backend: TrainingBackend, job_id: str, cursor: str = "") -> LogBatch:
    """The job's next log lines, with every secret of the environment redacted (a trainer
    that prints its arguments or ``os.environ`` must not put a key on the screen)."""
    batch = backend.logs(job_id, cursor)
    values = secret_values()
    if not values:
        return batch
    lines = [(timestamp, redact_text(text, values)) for timestamp, text in batch.lines]
    return LogBatch(lines, batch.cursor)


def _drain(backend: TrainingBackend, job_id: str, cursor: str, reporter: Reporter) -> LogBatch:
    batch = read_logs(backend, job_id, cursor)
    for timestamp, text in batch.lines:
        reporter(JobLogLine(job_id, text, timestamp))
    return batch


def wait(backend: TrainingBackend, job_id: str, *, timeout: float | None = None) -> JobStatus:
    """Block until the job ends, or ``timeout`` seconds pass (no events); for scripts."""
    stop = threading.Event()
    if timeout is not None:
        timer = threading.Timer(timeout, stop.set)
        timer.daemon = True
        timer.start()
    return follow(backend, job_id, lambda _event: None, stop=stop, logs=False)
