"""Monitor: the log view at 100k lines, search, follow; the screen on the real local backend."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from liftshift.tui.widgets.log_view import JobLog


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
