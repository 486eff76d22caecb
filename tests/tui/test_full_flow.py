"""Done-when: scan, review and write the changes, sync, train locally, see model version 1."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from tests.tui.conftest import EXAMPLES, cancel_local_jobs, wait_for
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


@dataclass
class FirstSession:
    """What one app session showed on the way from a pristine copy to version 1, and after
    deploying that version: the two tests below assert on it (one training, one deploy)."""

    settings: Settings
    log_lines: list[str]
    version_shown: str
    job_id: str
    predictions: list[Any]
    predictions_shown: str


async def scan_to_version_1_then_deploy(settings: Settings, project: Path) -> FirstSession:
    app = make_app(settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)

        await write_sync_and_launch(pilot, app, project)
        await wait_for(pilot, lambda: app.session.model_version is not None, timeout=240)
        log_lines = list(app.screen.query_one("#log").lines)  # type: ignore[attr-defined]

        await pilot.press("6")
        screen: Any = app.screen
        shown = screen.query_one("#model-version", Static)
        await wait_for(pilot, lambda: "Version    1" in str(shown.render()))
        await wait_for(pilot, lambda: screen.loaded)
        version_shown = str(shown.render())
        job_id = app.session.job.job_id

        await pilot.press("d")
        await wait_for(pilot, lambda: screen.prediction is not None, timeout=120)
        return FirstSession(
            settings=settings,
            log_lines=log_lines,
            version_shown=version_shown,
            job_id=job_id,
            predictions=screen.prediction.predictions,
            predictions_shown=str(screen.query_one("#predictions", Static).render()),
        )


@pytest.fixture(scope="module")
def first_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstSession]:
    """One pristine titanic copy taken through the app to version 1 and deployed, once for
    the module (it trains a model: the slowest thing the app does)."""
    project = tmp_path_factory.mktemp("full-flow") / "titanic-sklearn"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project, ignore=shutil.ignore_patterns(".*"))
    try:
        settings = Settings.from_env(project, env={})
        yield asyncio.run(scan_to_version_1_then_deploy(settings, project))
    finally:
        cancel_local_jobs(project)


@pytest.mark.slow
async def test_from_scan_to_model_version_1(first_session: FirstSession) -> None:
    assert any("accuracy" in line for line in first_session.log_lines)
    assert "Version    1" in first_session.version_shown
    assert "default" in first_session.version_shown

    # a later session: the job is listed on Monitor and can be reattached
    later = make_app(settings=first_session.settings, start="monitor")
    async with later.run_test(size=(80, 24)) as pilot:
        screen = later.screen
        await wait_for(pilot, lambda: screen.jobs_loaded)  # type: ignore[attr-defined]
        jobs = screen.query_one("#jobs")
        assert jobs.get_row_at(0)[0] == first_session.job_id  # type: ignore[attr-defined]
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
def test_deploy_version_1_and_predict_the_sample_instances(first_session: FirstSession) -> None:
    predictions = first_session.predictions
    assert len(predictions) == 2  # examples ship two instances
    # the project's handlers answer: a label and a probability per passenger
    assert [p["label"] for p in predictions] == ["died", "survived"]
    shown = first_session.predictions_shown
    assert "Version 1 of" in shown
    assert f"#1  {json.dumps(predictions[0])}" in shown
    assert f"#2  {json.dumps(predictions[1])}" in shown
