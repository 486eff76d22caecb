"""The main path on a copy of examples/titanic-sklearn with the local target, step by step."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from tests.tui.conftest import wait_for


async def test_project_scan_fills_the_overview_and_saves_the_plan(
    local_settings: Settings, titanic: Path
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.scan is not None and app.session.plan is not None)
        launchers = app.screen.query_one("#launchers", DataTable)
        assert launchers.row_count == 1
        assert "SKLearn" in launchers.get_row_at(0)
        assert "ml.m4.xlarge" in launchers.get_row_at(0)
        channels = app.screen.query_one("#channels", DataTable)
        assert {channels.get_row_at(i)[1] for i in range(channels.row_count)} == {"train", "test"}
        assert not (titanic / "liftshift.toml").exists()  # proposed, not written behind our back
        await pilot.press("ctrl+s")
        await pilot.pause()
        plan = load_plan(titanic)
        assert {c.name for c in plan.data.channels} == {"train", "test"}


async def test_data_dry_run_then_sync_verifies_every_object(
    local_settings: Settings, titanic: Path
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.press("3")
        await pilot.pause()
        status = app.screen.query_one("#sync-status", Static)
        await pilot.press("d")
        await wait_for(pilot, lambda: "Dry run done" in str(status.render()))
        mapping = app.screen.query_one("#mapping", DataTable)
        assert [mapping.get_row_at(i)[1] for i in range(mapping.row_count)] == ["1", "1"]
        await pilot.press("s")
        await wait_for(pilot, lambda: "Sync done" in str(status.render()))
        assert "verified 2, failed 0" in str(status.render())
        assert app.session.sync_result is not None and app.session.sync_result.ok
        await pilot.press("d")  # a second look: everything is already there
        await wait_for(pilot, lambda: "Dry run done" in str(status.render()))
        assert [mapping.get_row_at(i)[3] for i in range(mapping.row_count)] == ["1", "1"]


async def test_plan_form_edits_are_written_and_bad_values_refused(
    local_settings: Settings, titanic: Path
) -> None:
    from textual.widgets import Input

    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        screen = app.screen
        screen.query_one("#plan-region", Input).value = "europe-west4"
        screen.query_one("#plan-staging", Input).value = "not-a-gcs-uri"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not (titanic / "liftshift.toml").exists()  # refused: one clear notification
        assert any("gs://" in n.message for n in app._notifications)
        screen.query_one("#plan-staging", Input).value = "gs://my-staging"
        await pilot.press("ctrl+s")
        await pilot.pause()
        plan = load_plan(titanic)
        assert plan.target.region == "europe-west4"
        assert plan.training.staging_bucket == "gs://my-staging"
        assert app.session.settings.gcp.region == "europe-west4"
