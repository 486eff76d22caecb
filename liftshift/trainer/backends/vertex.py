"""The Vertex AI training backend: a ``CustomJob`` with a Python package, through the real SDK.

``google-cloud-aiplatform`` is imported here only, on first use (it takes about two seconds).
The request body is built by :func:`liftshift.trainer.jobs.worker_pool_specs`, the same data
``train --dry-run`` prints, so what the user reviewed is what is sent. Logs come from Cloud
Logging with an explicit timestamp bound (without one the client silently adds "last 24 h").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from liftshift.foundation.clients import logging_client, vertex_sdk
from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.trainer.backends.base import LogBatch
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
        return self._sdk().CustomJob.get(self._resource(job_id))

    def status(self, job_id: str) -> JobStatus:
        resource = self._get(job_id).gca_resource
        if resource.create_time:
            self._created[job_id] = _as_datetime(resource.create_time)
        return _status(job_id, resource)

    def cancel(self, job_id: str) -> JobStatus:
        job = self._get(job_id)
        job.cancel()
        return self.status(job_id)

    def list_jobs(self) -> list[JobStatus]:
        jobs = self._sdk().CustomJob.list(filter='labels.created-by="liftshift"')
        statuses = [_status(j.resource_name.rsplit("/", 1)[-1], j.gca_resource) for j in jobs]
        return sorted(statuses, key=lambda s: s.started)

    def logs(self, job_id: str, cursor: str = "") -> LogBatch:
        """Entries at or after the cursor's timestamp, skipping those already returned."""
        if cursor:
            state = json.loads(cursor)
        else:
            if job_id not in self._created:
                self._created[job_id] = _as_datetime(self._get(job_id).gca_resource.create_time)
            since = self._created[job_id] - timedelta(minutes=1)
            state = {"since": _rfc3339(since), "seen": []}
        if self._logging is None:
            self._logging = logging_client(self.settings)
        from google.cloud import logging as cloud_logging

        entries = self._logging.list_entries(
            resource_names=[f"projects/{self.settings.gcp.project}"],
            filter_=log_filter(job_id.rsplit("/", 1)[-1], state["since"]),
            order_by=cloud_logging.ASCENDING,
            page_size=LOG_PAGE_SIZE,
            max_results=LOG_PAGE_SIZE,
        )
        seen = set(state["seen"])
        lines: list[tuple[float, str]] = []
        newest = state["since"]
        for entry in entries:
            if entry.insert_id in seen:
                continue
            stamp = entry.timestamp or datetime.now(UTC)
            stamp_text = _rfc3339(stamp)
            if stamp_text > newest:
                newest, seen = stamp_text, set()
            seen.add(entry.insert_id)
            text = _payload_text(entry.payload)
            lines.append((stamp.timestamp(), text.rstrip("\n")))
        return LogBatch(lines, json.dumps({"since": newest, "seen": sorted(seen)}))

    def console_url(self, job_id: str) -> str:
        url = CONSOLE.format(region=self.settings.gcp.region, job=job_id)
        return f"{url}?project={self.settings.gcp.project}" if self.settings.gcp.project else url


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
