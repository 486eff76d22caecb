"""Changes: review hunk by hunk, write only the accepted ones, undo."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from liftshift.tui.dialogs.confirm import ConfirmDialog
from liftshift.tui.widgets.diff_view import DiffView
from tests.tui.conftest import wait_for


async def test_toggle_hunks_write_accepted_then_undo(
    local_settings: Settings, titanic: Path
) -> None:
    original_train = (titanic / "train.py").read_text()
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.press("2")
        await wait_for(pilot, lambda: app.session.changes is not None)
        screen = app.screen
        changeset = app.session.changes
        paths = [change.path for change in changeset]
        assert "trainer/train.py" in paths and "setup.py" in paths
        status = screen.query_one("#changes-status", Static)
        assert "need attention" in str(status.render())

        diff = screen.query_one(DiffView)
        first = diff.change
        assert first is not None and first.hunks[0].accepted
        # the changes start with the SageMaker launcher, which follows the moved script
        assert (first.path, first.kind) == ("launch.py", "modify")
        await pilot.press("space")  # reject the hunk under the cursor
        assert not first.hunks[0].accepted
        await pilot.press("space")
        assert first.hunks[0].accepted
        await pilot.press("r")  # reject the whole first file...
        assert not first.is_effective
        rejected_path = first.path
        await pilot.press("a")  # ...then accept it again, and reject it for good
        assert first.is_effective
        await pilot.press("r")

        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert rejected_path not in app.screen.details
        await pilot.press("y")
        await wait_for(pilot, (titanic / "setup.py").exists)
        assert 'source_dir="trainer"' not in (titanic / rejected_path).read_text()
        assert (titanic / "trainer" / "train.py").exists()
        # the plan the changes were made with is saved with them: a later `run` re-plans the
        # migrated project from it (the scan alone no longer sees which flag takes a channel)
        await wait_for(pilot, (titanic / "liftshift.toml").exists)
        saved = load_plan(titanic)
        assert saved.code.entry_point == "train.py" and saved.code.module == "trainer.train"
        assert [c.argument for c in saved.data.channels] == ["--train", "--test"]

        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait_for(pilot, lambda: not (titanic / "setup.py").exists())
        assert (titanic / "train.py").read_text() == original_train
