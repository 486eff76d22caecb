"""What each step looks like at 80x24 (pytest-textual-snapshot; textual is pinned exactly).

No clocks, no absolute paths, no timing-dependent text: each screen is captured once its
worker has settled. Update after an intended change with ``pytest tests/tui --snapshot-update``
and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from tests.tui.conftest import wait_for

SIZE = (80, 24)


def settled(step: str, ready: Any) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.session.scan is not None and app.session.plan)
        if step != "project":
            await pilot.press(
                str(["project", "changes", "data", "train", "monitor", "model"].index(step) + 1)
            )
        await wait_for(pilot, lambda: ready(app))
        await pilot.pause(0.2)

    return run_before


CASES = {
    "project": lambda app: app.screen.query_one("#launchers").row_count == 1,
    "changes": lambda app: app.session.changes is not None,
    "data": lambda app: app.screen.query_one("#mapping").row_count == 2,
    "train": lambda app: app.screen.spec is not None,
    "monitor": lambda app: app.screen.jobs_loaded,
    "model": lambda app: app.screen.loaded,
}


@pytest.mark.parametrize("step", list(CASES))
def test_step_screens(
    snap_compare: Any, local_settings: Settings, titanic: Path, step: str
) -> None:
    app = make_app(settings=local_settings)
    assert snap_compare(app, terminal_size=SIZE, run_before=settled(step, CASES[step]))


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_help_dialog(snap_compare: Any, local_settings: Settings, size: tuple[int, int]) -> None:
    """The help scrolls (its keys are below the fold at 80x24): shown scrolled to the end."""
    app = make_app(settings=local_settings, start="monitor")
    assert snap_compare(app, press=["question_mark", "end"], terminal_size=size)
