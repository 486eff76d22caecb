"""The app shell: steps reachable directly, help, palette, themes, errors as notifications."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from liftshift.foundation.settings import Settings
from liftshift.tui.app import STEP_NAMES, make_app
from liftshift.tui.dialogs.help import HelpDialog
from liftshift.tui.screens.base import StepScreen
from tests.tui.conftest import started, wait_for


async def test_number_keys_reach_every_step(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.pause()
        assert app.current_mode == "project"
        for number, step in enumerate(STEP_NAMES, start=1):
            await pilot.press(str(number))
            await pilot.pause()
            assert app.current_mode == step
            assert isinstance(app.screen, StepScreen)
            assert step == app.screen.STEP


@pytest.mark.parametrize("step", STEP_NAMES)
async def test_factory_opens_a_step_directly(local_settings: Settings, step: str) -> None:
    app = make_app(settings=local_settings, start=step)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.pause()
        assert app.current_mode == step


def test_factory_refuses_an_unknown_step(local_settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown screen"):
        make_app(settings=local_settings, start="nope")


async def test_question_mark_opens_help_for_the_current_step(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpDialog)
        assert "# Project" in app.screen.markdown
        assert "Save plan" in app.screen.markdown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpDialog)


async def test_command_palette_offers_the_steps_main_actions(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles[:3] == ["Scan project", "Open folder", "Save plan"]
        assert "Go to Monitor" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"go to data")
        results = app.screen.query_one("CommandList")
        await wait_for(pilot, lambda: results.option_count > 0)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "data"


async def test_ctrl_t_switches_light_and_dark(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        before = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != before
        await pilot.press("ctrl+t")
        assert app.theme == before


async def test_a_failing_worker_becomes_a_notification(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)

        def boom() -> None:
            raise RuntimeError("the bucket is gone")

        worker = app.screen.run_worker(
            boom, thread=True, exit_on_error=False, name="Sync", group="test"
        )
        await wait_for(pilot, lambda: worker.is_finished and bool(app._notifications))
        messages = [n.message for n in app._notifications]
        assert any("the bucket is gone" in message for message in messages)
        assert app.is_running
