"""The port every training backend implements (local subprocess, Vertex AI).

It is deliberately small and poll-based: the monitor (``liftshift.trainer.monitor``) drives
any backend the same way (state with backoff, log tail, cancel), and a job submitted by one
command can be followed or cancelled by another, because handles are plain ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from liftshift.foundation.events import Reporter
from liftshift.trainer.jobs import JobHandle, JobSpec, JobStatus


@dataclass(frozen=True)
class LogBatch:
    lines: list[tuple[float, str]]
    """(timestamp, text) pairs, oldest first."""
    cursor: str
    """Pass back to :meth:`TrainingBackend.logs` to get only newer lines."""


class TrainingBackend(Protocol):
    name: str

    def submit(self, spec: JobSpec, package_uri: str, *, reporter: Reporter) -> JobHandle:
        """Start the job; returns at once (the job runs on)."""
        ...

    def status(self, job_id: str) -> JobStatus: ...

    def logs(self, job_id: str, cursor: str = "") -> LogBatch:
        """Log lines newer than ``cursor``."""
        ...

    def cancel(self, job_id: str) -> JobStatus:
        """Ask the job to stop; returns the status right after asking."""
        ...

    def list_jobs(self) -> list[JobStatus]: ...

    def console_url(self, job_id: str) -> str: ...
