"""The app's rough edges a newcomer hit (issue 13, item 21), each at 80x24 and 120x36."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input

from liftshift.foundation.settings import Settings
from liftshift.trainer.jobs import JobState, JobStateChanged
from liftshift.tui.app import make_app
from liftshift.tui.dialogs.confirm import ConfirmDialog
from liftshift.tui.dialogs.help import HelpDialog
from liftshift.tui.messages import CoreEvent
from liftshift.tui.widgets.diff_view import DiffView
from tests.tui.conftest import wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]


async def _changes(pilot) -> DiffView:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: app.session.plan is not None)
    await pilot.press("2")
    await wait_for(pilot, lambda: app.session.changes is not None)
    return app.screen.query_one(DiffView)


@pytest.mark.parametrize("size", SIZES)
async def test_help_scrolls_to_every_key(local_settings: Settings, size: tuple[int, int]) -> None:
    app = make_app(settings=local_settings, start="monitor")
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpDialog))
        await pilot.pause()
        text = app.screen.query_one("#help-text", VerticalScroll)
        if size == (80, 24):
            assert text.max_scroll_y > 0, "the keys are below the fold at 80x24"
        await pilot.press("end")
        await pilot.pause()
        assert text.scroll_y == text.max_scroll_y
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpDialog))


@pytest.mark.parametrize("size", SIZES)
async def test_step_keys_never_type_into_a_field(
    local_settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#plan-channel-0")))
        field = app.screen.query_one("#plan-channel-0", Input)
        original = field.value
        assert original.startswith("gs://")
        field.focus()
        await pilot.pause()
        await pilot.press("2")  # meant for the app: open Changes
        await wait_for(pilot, lambda: app.current_mode == "changes")
        assert field.value == original
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current_mode == "project")
        field.focus()
        await pilot.pause()
        await pilot.press("end", "x", "2")  # editing now: every key is text
        assert field.value == original + "x2"
        await pilot.press("ctrl+z", "ctrl+z")
        assert field.value == original
        await pilot.press("escape")  # leaves the field; step keys work again
        await pilot.pause()
        assert app.focused is None
        await pilot.press("3")
        await wait_for(pilot, lambda: app.current_mode == "data")


@pytest.mark.parametrize("size", SIZES)
async def test_next_and_previous_hunk_cross_files(
    local_settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=size) as pilot:
        diff = await _changes(pilot)
        first = diff.change
        for _ in first.hunks:
            await pilot.press("n")
        assert diff.change is not first and diff.current == 0
        second = diff.change
        files = app.screen.query_one("#files")
        assert files.highlighted == files.get_option_index(second.path)
        await pilot.press("p")
        assert diff.change is first and diff.current == len(first.hunks) - 1


@pytest.mark.parametrize("size", SIZES)
async def test_write_dialog_and_toast_count_the_same_files(
    local_settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=size) as pilot:
        await _changes(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        question = app.screen.question
        assert question.startswith("Write ") and question.endswith(" file(s)?")
        count = question.split()[1]
        await pilot.press("y")
        await wait_for(pilot, lambda: any("Wrote" in n.message for n in app._notifications))
        (toast,) = [n.message for n in app._notifications if "Wrote" in n.message]
        assert toast.startswith(f"Wrote {count} file(s);"), (question, toast)


@pytest.mark.parametrize("size", SIZES)
async def test_long_diff_lines_scroll_sideways(
    local_settings: Settings, titanic: Path, size: tuple[int, int]
) -> None:
    script = titanic / "train.py"
    long = "    # " + "a long comment that no screen is wide enough for " * 6 + "\n"
    script.write_text(
        script.read_text().replace(
            '    parser.add_argument("--model-dir"',
            long + '    parser.add_argument("--model-dir"',
            1,
        )
    )
    app = make_app(settings=local_settings)
    async with app.run_test(size=size) as pilot:
        diff = await _changes(pilot)
        files = app.screen.query_one("#files")
        files.highlighted = files.get_option_index("trainer/train.py")
        await wait_for(
            pilot, lambda: diff.change is not None and diff.change.path == "trainer/train.py"
        )
        await pilot.pause()
        assert diff.max_scroll_x > 0
        diff.focus()
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert diff.scroll_x > 0


@pytest.mark.parametrize("size", SIZES)
async def test_data_counts_are_still_there_when_you_come_back(
    local_settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.press("3")
        await wait_for(pilot, lambda: app.current_mode == "data")
        await pilot.press("d")
        status = app.screen.query_one("#sync-status")
        await wait_for(pilot, lambda: "Dry run done" in str(status.render()))
        mapping = app.screen.query_one("#mapping", DataTable)
        before = [mapping.get_row_at(i)[1:5] for i in range(mapping.row_count)]
        assert all(cell for row in before for cell in row), before
        await pilot.press("4")
        await wait_for(pilot, lambda: app.current_mode == "train")
        await pilot.press("3")
        await wait_for(pilot, lambda: app.current_mode == "data")
        await pilot.pause()
        mapping = app.screen.query_one("#mapping", DataTable)
        assert [mapping.get_row_at(i)[1:5] for i in range(mapping.row_count)] == before


@pytest.mark.parametrize("size", SIZES)
async def test_c_does_not_offer_to_cancel_a_finished_job(
    local_settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings=local_settings, start="monitor")
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.jobs_loaded)
        screen.job_id = "titanic-done"
        screen.post_message(CoreEvent(JobStateChanged("titanic-done", JobState.SUCCEEDED, 1.0)))
        await wait_for(pilot, lambda: screen.state == "SUCCEEDED")
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("already ended (SUCCEEDED)" in n.message for n in app._notifications)


@pytest.mark.parametrize("size", SIZES)
async def test_quitting_with_a_job_running_says_the_next_run_registers_it(
    local_settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        app.session.train_result = SimpleNamespace(handle=SimpleNamespace(job_id="titanic-1"))
        app.session.job_state = "RUNNING"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        dialog = app.screen
        assert "titanic-1" in dialog.question
        assert "next `liftshift run`" in dialog.details and "registers its model" in dialog.details
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


def test_a_job_launched_in_the_app_is_what_the_next_run_reattaches_to(
    local_settings: Settings, titanic: Path
) -> None:
    """What makes the quit message true: the app records its job where `run` looks."""
    from liftshift.foundation.plan import load_plan
    from liftshift.migrator.apply import apply_changeset
    from liftshift.migrator.migrate import migrate_project
    from liftshift.run.pipeline import RunState, record_launched_job, record_registered_version
    from liftshift.trainer.packaging import content_hash

    apply_changeset(migrate_project(titanic).changeset, titanic)
    plan = load_plan(titanic)
    record_launched_job(local_settings, plan, "titanic-1")
    state = RunState.load(local_settings)
    assert (state.job_id, state.target) == ("titanic-1", "local")
    assert state.package_hash == content_hash(titanic, plan.code.package)
    version = SimpleNamespace(model="titanic-sklearn", version_id=1, artifact_uri="/a")
    record_registered_version(local_settings, "titanic-1", version)
    state = RunState.load(local_settings)
    assert (state.version, state.version_job_id) == ("1", "titanic-1")
