"""The Vertex AI training backend: a ``CustomJob`` with a Python package, through the real SDK.

``google-cloud-aiplatform`` is imported here only, on first use (it takes about two seconds).
The request body is built by :func:`liftshift.trainer.jobs.worker_pool_specs`, the same data
``train --dry-run`` prints, so what the user reviewed is what is sent. Logs come from Cloud
Logging with an explicit timestamp bound (without one the client silently adds "last 24 h").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from liftshift.foundation.clients import (
    call_with_retries,
    logging_client,
    logging_tail_api,
    vertex_sdk,
)
from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.trainer.backends.base import LogBatch
from liftshift.trainer.backends.log_tail import LogTail
from liftshift.trainer.jobs import (
    JobHandle,
    JobSpec,
    JobState,
    JobStatus,
    StepProgress,
    worker_pool_specs,
)

CONSOLE = "https://console.cloud.google.com/vertex-ai/locations/{region}/training/{job}/cpu"
LOG_PAGE_SIZE = 1000


def log_filter(job_id: str, since: str) -> str:
    """The Cloud Logging filter for one job's lines at or after ``since`` (RFC 3339)."""
    return f'resource.type="ml_job" AND resource.labels.job_id="{job_id}" AND timestamp>="{since}"'


class VertexBackend:
    name = "vertex"
    backoff = None
    """A :class:`~liftshift.trainer.monitor.Backoff` to poll with; None is the monitor's
    default for Vertex (2 s growing to 30 s). Tests set a fast one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._aiplatform: Any = None
        self._logging: Any = None
        self._created: dict[str, datetime] = {}
        """Job id → create time, the lower bound of its log filter (one GET saved per tail)."""
        self._states: dict[str, JobState] = {}
        """Job id → the state :meth:`status` last saw (live log streams only while RUNNING)."""
        self._tails: dict[str, LogTail] = {}

    def _sdk(self) -> Any:
        if self._aiplatform is None:
            self._aiplatform = vertex_sdk(self.settings)
        return self._aiplatform

    def _resource(self, job_id: str) -> str:
        if job_id.startswith("projects/"):
            return job_id
        gcp = self.settings.gcp
        return f"projects/{gcp.project}/locations/{gcp.region}/customJobs/{job_id}"

    def submit(self, spec: JobSpec, package_uri: str, *, reporter: Reporter = ignore) -> JobHandle:
        aiplatform = self._sdk()
        job = aiplatform.CustomJob(
            display_name=spec.job_name,
            worker_pool_specs=worker_pool_specs(spec, package_uri, reveal=True),
            base_output_dir=spec.base_output_dir,
            staging_bucket=f"gs://{spec.staging_bucket}",
            labels=spec.labels,
            project=spec.project or self.settings.gcp.project,
            location=spec.region,
        )
        job.submit(
            service_account=spec.service_account or None,
            timeout=spec.timeout_seconds or None,
        )
        job_id = job.resource_name.rsplit("/", 1)[-1]
        self._created[job_id] = _as_datetime(job.gca_resource.create_time)
        try:
            url = job._dashboard_uri()  # the SDK knows the console's current address
        except Exception:
            url = self.console_url(job_id)
        reporter(StepProgress("submit", f"created Vertex AI CustomJob {job.resource_name}"))
        return JobHandle(job_id, self.name, spec.display_name, job.resource_name, url)

    def _get(self, job_id: str) -> Any:
        # the SDK retries its own GETs on transient errors (up to two minutes)
        return self._sdk().CustomJob.get(self._resource(job_id))

    def _retried(self, call: Any) -> Any:
        """Lists and cancels are idempotent: retried while Vertex answers UNAVAILABLE."""
        return call_with_retries(self.settings, call)

    def status(self, job_id: str) -> JobStatus:
        resource = self._get(job_id).gca_resource
        if resource.create_time:
            self._created[job_id] = _as_datetime(resource.create_time)
        status = _status(job_id, resource)
        self._states[job_id.rsplit("/", 1)[-1]] = status.state
        return status

    def cancel(self, job_id: str) -> JobStatus:
        job = self._get(job_id)
        self._retried(job.cancel)
        return self.status(job_id)

    def list_jobs(self) -> list[JobStatus]:
        jobs = self._retried(
            lambda: self._sdk().CustomJob.list(filter='labels.created-by="liftshift"')
        )
        statuses = [_status(j.resource_name.rsplit("/", 1)[-1], j.gca_resource) for j in jobs]
        return sorted(statuses, key=lambda s: s.started)

    def logs(self, job_id: str, cursor: str = "") -> LogBatch:
        """Entries at or after the cursor's timestamp, skipping those already returned.

        While the job runs and Cloud Logging is spoken over gRPC, lines come from a live
        ``TailLogEntries`` stream (:mod:`.log_tail`); when that stream drops, the gap is read
        with ``ListLogEntries`` from the cursor and a new stream opens from there. Otherwise,
        and once the job has ended, each call is one ``ListLogEntries`` read.
        """
        short_id = job_id.rsplit("/", 1)[-1]
        if cursor:
            state = json.loads(cursor)
        else:
            if job_id not in self._created:
                self._created[job_id] = _as_datetime(self._get(job_id).gca_resource.create_time)
            since = self._created[job_id] - timedelta(minutes=1)
            state = {"since": _rfc3339(since), "seen": []}
        if self._logging is None:
            self._logging = logging_client(self.settings)
        running = self._states.get(short_id) == JobState.RUNNING
        tail = self._tails.get(short_id)
        entries = [_streamed(entry) for entry in tail.drain()] if tail is not None else []
        if tail is None or not tail.alive or not running:
            entries += self._list_entries(short_id, state["since"])
        batch = _new_lines(entries, state)
        if tail is not None and not (tail.alive and running):
            self.close_logs(short_id)
            tail = None
        tail_api = logging_tail_api(self._logging) if running else None
        if tail is None and tail_api is not None:
            since = json.loads(batch.cursor)["since"]
            self._tails[short_id] = LogTail(
                tail_api, f"projects/{self.settings.gcp.project}", log_filter(short_id, since)
            )
        return batch

    def close_logs(self, job_id: str) -> None:
        """Stop the live log stream of ``job_id``, if one is open (the monitor is done)."""
        tail = self._tails.pop(job_id.rsplit("/", 1)[-1], None)
        if tail is not None:
            tail.close()

    def _list_entries(self, short_id: str, since: str) -> list[_Entry]:
        from google.cloud import logging as cloud_logging

        found = self._retried(
            lambda: list(
                self._logging.list_entries(
                    resource_names=[f"projects/{self.settings.gcp.project}"],
                    filter_=log_filter(short_id, since),
                    order_by=cloud_logging.ASCENDING,
                    page_size=LOG_PAGE_SIZE,
                    max_results=LOG_PAGE_SIZE,
                )
            )
        )
        return [_Entry(e.insert_id, e.timestamp or datetime.now(UTC), e.payload) for e in found]

    def console_url(self, job_id: str) -> str:
        url = CONSOLE.format(region=self.settings.gcp.region, job=job_id)
        return f"{url}?project={self.settings.gcp.project}" if self.settings.gcp.project else url


@dataclass(frozen=True)
class _Entry:
    """A log entry from either source (a list read or the live stream)."""

    insert_id: str
    timestamp: datetime
    payload: Any


def _streamed(entry: Any) -> _Entry:
    """A ``LogEntry`` message from ``TailLogEntries``."""
    if "text_payload" in entry:
        payload: Any = entry.text_payload
    elif "json_payload" in entry:
        payload = dict(entry.json_payload)
    else:
        payload = ""
    stamp = _as_datetime(entry.timestamp) if entry.timestamp else datetime.now(UTC)
    return _Entry(entry.insert_id, stamp, payload)


def _new_lines(entries: list[_Entry], state: dict[str, Any]) -> LogBatch:
    """The entries not returned before, oldest first, and the cursor after them.

    The cursor is the newest timestamp returned and the insert ids returned at it: reads start
    at that timestamp, so those ids are what a read (or a reconnected stream) sends again.
    """
    since, seen = state["since"], set(state["seen"])
    lines: list[tuple[float, str]] = []
    newest, at_newest = since, set(seen)
    for entry in sorted(entries, key=lambda e: e.timestamp):
        stamp_text = _rfc3339(entry.timestamp)
        if stamp_text < since or entry.insert_id in seen:
            continue
        seen.add(entry.insert_id)
        if stamp_text > newest:
            newest, at_newest = stamp_text, set()
        at_newest.add(entry.insert_id)
        lines.append((entry.timestamp.timestamp(), _payload_text(entry.payload).rstrip("\n")))
    return LogBatch(lines, json.dumps({"since": newest, "seen": sorted(at_newest)}))


def _payload_text(payload: Any) -> str:
    """Vertex writes trainer output as text; structured entries carry it in ``message``."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return payload["message"]
    return json.dumps(payload, default=str)


def _status(job_id: str, resource: Any) -> JobStatus:
    state = JobState(resource.state.name)
    error = resource.error.message if resource.error and resource.error.message else ""
    base = resource.job_spec.base_output_directory.output_uri_prefix
    started = _as_datetime(resource.start_time).timestamp() if resource.start_time else 0.0
    ended = _as_datetime(resource.end_time).timestamp() if resource.end_time else 0.0
    return JobStatus(
        job_id, state, error, f"{base.rstrip('/')}/model" if base else "", started, ended
    )


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return datetime.now(UTC)
    return datetime.fromtimestamp(value.timestamp(), UTC)


def _rfc3339(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}Z"
