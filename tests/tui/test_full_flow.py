"""Done-when: scan, review and write the changes, sync, train locally, see model version 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from tests.tui.conftest import wait_for
from tests.tui.plans import save_planned


async def write_sync_and_launch(pilot: Any, app: Any, project: Path) -> None:
    """Steps 2-4 the way a person does them: write all changes, sync, launch."""
    await pilot.press("2")
    await wait_for(pilot, lambda: app.session.changes is not None)
    await pilot.press("w", "y")
    await wait_for(pilot, (project / "trainer" / "train.py").exists)
    await pilot.press("3")
    await pilot.pause()
    await pilot.press("s")
    status = app.screen.query_one("#sync-status", Static)
    await wait_for(pilot, lambda: "Sync done" in str(status.render()), timeout=60)
    assert "failed 0" in str(status.render())
    await pilot.press("4")
    await wait_for(pilot, lambda: app.screen.spec is not None)
    await pilot.press("l")
    await wait_for(pilot, lambda: app.current_mode == "monitor", timeout=120)


@pytest.mark.slow
async def test_from_scan_to_model_version_1(local_settings: Settings, titanic: Path) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)

        await write_sync_and_launch(pilot, app, titanic)
        await wait_for(pilot, lambda: app.session.model_version is not None, timeout=240)
        log_lines = app.screen.query_one("#log").lines  # type: ignore[attr-defined]
        assert any("accuracy" in line for line in log_lines)

        await pilot.press("6")
        shown = app.screen.query_one("#model-version", Static)
        await wait_for(pilot, lambda: "Version    1" in str(shown.render()))
        assert "default" in str(shown.render())
        job_id = app.session.job.job_id

    # a later session: the job is listed on Monitor and can be reattached
    later = make_app(settings=local_settings, start="monitor")
    async with later.run_test(size=(80, 24)) as pilot:
        screen = later.screen
        await wait_for(pilot, lambda: screen.jobs_loaded)  # type: ignore[attr-defined]
        jobs = screen.query_one("#jobs")
        assert jobs.get_row_at(0)[0] == job_id  # type: ignore[attr-defined]
        jobs.focus()
        await pilot.press("enter")
        log = screen.query_one("#log")
        await wait_for(pilot, lambda: any("accuracy" in line for line in log.lines))  # type: ignore[attr-defined]
        status = screen.query_one("#job-status", Static)
        await wait_for(pilot, lambda: "SUCCEEDED" in str(status.render()))


@pytest.mark.slow
async def test_cancel_a_running_job_after_confirming(
    local_settings: Settings, titanic: Path
) -> None:
    save_planned(titanic, **{"n-estimators": 200_000})  # long enough to cancel
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await write_sync_and_launch(pilot, app, titanic)
        job_status = app.screen.query_one("#job-status", Static)
        await wait_for(pilot, lambda: "RUNNING" in str(job_status.render()), timeout=120)

        await pilot.press("c")
        await pilot.pause()
        await pilot.press("n")  # asked first; "no" leaves the job alone
        await pilot.pause(0.5)
        assert "RUNNING" in str(job_status.render())
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: "CANCELLED" in str(job_status.render()), timeout=60)
        assert app.session.model_version is None


@pytest.mark.slow
async def test_deploy_version_1_and_predict_the_sample_instances(
    local_settings: Settings, titanic: Path
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await write_sync_and_launch(pilot, app, titanic)
        await wait_for(pilot, lambda: app.session.model_version is not None, timeout=240)

        await pilot.press("6")
        screen: Any = app.screen
        await wait_for(pilot, lambda: screen.loaded)
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.prediction is not None, timeout=120)
        assert len(screen.prediction.predictions) == 2  # examples ship two instances
        # the project's handlers answer: a label and a probability per passenger
        assert [p["label"] for p in screen.prediction.predictions] == ["died", "survived"]
        shown = str(screen.query_one("#predictions", Static).render())
        assert "Version 1 of" in shown
        assert f"#1  {json.dumps(screen.prediction.predictions[0])}" in shown
        assert f"#2  {json.dumps(screen.prediction.predictions[1])}" in shown
