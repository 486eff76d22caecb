"""One contract for every TrainingBackend adapter: local (real subprocess) and Vertex (the
real SDK against the fake server). Same calls, same states, same log semantics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.trainer import monitor, service
from liftshift.trainer.backends.base import TrainingBackend
from liftshift.trainer.backends.local import LocalBackend
from liftshift.trainer.backends.vertex import VertexBackend
from liftshift.trainer.jobs import JobLogLine, JobState, TrainOverrides
from liftshift.trainer.monitor import Backoff
from tests.fakes.vertex import VERTEX_TRANSPORTS, serve_fake_vertex
from tests.trainer.conftest import settings_for_fake

pytestmark = pytest.mark.slow


@dataclass
class Harness:
    backend: TrainingBackend
    settings: Settings
    project: Path
    fake: Any = None

    def submit(self, mode: str) -> str:
        """Start the toy job: ``ok`` ends SUCCEEDED, ``sleep`` runs until cancelled."""
        if self.fake is not None:
            states = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING"]
            self.fake.job_states = [*states, "JOB_STATE_SUCCEEDED"] if mode == "ok" else states
        overrides = TrainOverrides(hyperparameters={"mode": mode})
        result = service.start_training(
            load_plan(self.project), self.settings, overrides, backend=self.backend
        )
        job_id = result.handle.job_id
        if self.fake is not None:  # on Vertex the trainer's output arrives via Cloud Logging
            self.fake.add_log(job_id, "sleeping" if mode == "sleep" else "trained", time.time())
        return job_id


@pytest.fixture(params=["local", *(f"vertex-{t}" for t in VERTEX_TRANSPORTS)])
def harness(request: pytest.FixtureRequest, toy_project: Path) -> Iterator[Harness]:
    if request.param == "local":
        settings = Settings(target="local", project_dir=toy_project)
        yield Harness(LocalBackend(settings), settings, toy_project)
        return
    with serve_fake_vertex(request.param.removeprefix("vertex-")) as fake:
        settings = settings_for_fake(request.getfixturevalue("gcs_settings"), fake, toy_project)
        backend = VertexBackend(settings)
        backend.backoff = Backoff(initial=0.01, maximum=0.05)
        yield Harness(backend, settings, toy_project, fake)


def test_job_runs_to_succeeded_with_logs(harness: Harness) -> None:
    job_id = harness.submit("ok")
    events: list[Any] = []
    final = monitor.follow(harness.backend, job_id, events.append)
    assert final.state == JobState.SUCCEEDED
    assert final.model_dir.endswith("model")
    assert any("trained" in e.text for e in events if isinstance(e, JobLogLine))
    assert job_id in [s.job_id for s in harness.backend.list_jobs()]
    assert harness.backend.status(job_id).state == JobState.SUCCEEDED


def test_log_cursor_returns_only_new_lines(harness: Harness) -> None:
    job_id = harness.submit("ok")
    monitor.follow(harness.backend, job_id, lambda _e: None, logs=False)
    first = harness.backend.logs(job_id)
    assert first.lines
    again = harness.backend.logs(job_id, first.cursor)
    assert again.lines == []


def test_cancel_ends_cancelled(harness: Harness) -> None:
    job_id = harness.submit("sleep")
    deadline = time.monotonic() + 30
    while not any("sleeping" in t for _, t in harness.backend.logs(job_id).lines):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    status = harness.backend.cancel(job_id)
    assert status.state in (JobState.CANCELLING, JobState.CANCELLED)
    final = monitor.wait(harness.backend, job_id, timeout=30)
    assert final.state == JobState.CANCELLED
