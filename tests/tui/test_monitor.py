"""Monitor: the log view at 100k lines, search, follow; the screen on the real local backend
and on a Vertex job (gRPC and REST fakes)."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from liftshift.foundation.settings import GcpSettings, Settings
from liftshift.tui.app import make_app
from liftshift.tui.widgets.log_view import JobLog
from tests.fakes.vertex import FakeVertex
from tests.tui.conftest import wait_for


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield JobLog(id="log")


async def test_log_takes_100k_lines_and_searches_them() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(JobLog)
        started = time.perf_counter()
        for batch in range(10):
            log.add_lines(f"step {batch * 10_000 + i} loss=0.{i:04d}" for i in range(10_000))
            await pilot.pause()
        assert time.perf_counter() - started < 20  # generous: a shared 2-core machine
        assert log.line_count == 100_000
        assert log.following
        assert log.find("step 54321 ") == 54321
        assert not log.following  # a match stays on screen
        assert log.find("nothing like this") is None
        assert log.toggle_follow()


async def test_monitor_lists_jobs_and_searches_without_a_job(local_settings: Settings) -> None:
    app = make_app(settings=local_settings, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("slash")
        await pilot.press(*"loss", "enter")
        await pilot.press("escape")
        await pilot.press("c")  # no job yet: a warning, not a dialog
        await pilot.pause()
        assert app.current_mode == "monitor"
        assert app.screen.query_one("#jobs").row_count == 0
        assert any("No job" in n.message for n in app._notifications)


async def test_monitor_follows_a_vertex_job_and_says_when_it_last_checked(
    titanic: Path, fake_vertex: FakeVertex
) -> None:
    """A queued Vertex job (gRPC and REST fakes) does not change for a while: the status line
    keeps saying how fresh the shown state is."""
    fake_vertex.job_states = ["JOB_STATE_PENDING"]
    status, job = fake_vertex.handle(
        "POST", f"/v1/{fake_vertex.parent}/customJobs", {}, {"displayName": "queued"}
    )
    assert status == 200
    job_id = job["name"].rsplit("/", 1)[-1]
    settings = Settings(
        target="gcp",
        project_dir=titanic,
        gcp=GcpSettings(
            project=fake_vertex.project,
            vertex_endpoint=fake_vertex.endpoint,
            vertex_transport="grpc" if fake_vertex.transport == "grpc" else "rest",
            logging_endpoint=fake_vertex.endpoint,
            anonymous=True,
        ),
        poll_interval=0.05,
    )
    app = make_app(settings=settings, start="monitor")
    async with app.run_test(size=(100, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.jobs_loaded)  # type: ignore[attr-defined]
        screen.follow(job_id)  # type: ignore[attr-defined]
        line = screen.query_one("#job-status", Static)
        await wait_for(pilot, lambda: "last checked 0 s ago" in str(line.render()))
        assert "PENDING" in str(line.render())
        polls = len(fake_vertex.calls("get_custom_job"))
        await wait_for(pilot, lambda: len(fake_vertex.calls("get_custom_job")) > polls + 2)
        assert "last checked" in str(line.render()), "still polling at the set interval"
