"""The liftshift app and its one factory, used by ``liftshift tui`` and by the tests alike.

Each step of the migration is an app *mode* (its own screen stack), so every step is reachable
directly (keys 1-6, the command palette, or ``make_app(start=…)``) and keeps its state when you
move between them. The app imports only Textual and liftshift's light modules; the core is
imported inside thread workers, after the first paint.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from liftshift.foundation.settings import Settings
from liftshift.tui.dialogs.confirm import ConfirmDialog
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.session import Session
from liftshift.tui.widgets.step_bar import STEPS

SCREEN_CLASSES: dict[str, str] = {
    "project": "liftshift.tui.screens.project:ProjectScreen",
    "changes": "liftshift.tui.screens.changes:ChangesScreen",
    "data": "liftshift.tui.screens.data:DataScreen",
    "train": "liftshift.tui.screens.train:TrainScreen",
    "monitor": "liftshift.tui.screens.monitor:MonitorScreen",
    "model": "liftshift.tui.screens.model:ModelScreen",
}
"""Each step's screen, imported when first shown: only the first step is paid before the
first paint (the Changes screen alone pulls in Pygments for highlighting)."""


def _screen_factory(step: str) -> Callable[[], Screen]:
    module_name, class_name = SCREEN_CLASSES[step].split(":")

    def build() -> Screen:
        screen_class = getattr(importlib.import_module(module_name), class_name)
        return screen_class()

    return build


STEP_NAMES: tuple[str, ...] = tuple(SCREEN_CLASSES)
TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED", "PARTIALLY_SUCCEEDED"})
"""Short job states after which nothing runs on (``JobState.short``)."""

GENERAL_KEYS = """
| Key | Does |
|---|---|
| `1`-`6` | go to a step: Project, Changes, Data, Train, Monitor, Model |
| `?` | this help |
| `ctrl+p` | command palette: the main actions of this step, steps, theme |
| `ctrl+t` | switch between the light and the dark theme |
| `tab` / `shift+tab` | move between parts of the screen |
| `ctrl+q` | quit (nothing is lost: plan, sync journal and jobs are on disk) |
"""


class LiftshiftApp(App[None]):
    TITLE = "liftshift"
    SUB_TITLE = "SageMaker → Vertex AI"
    CSS_PATH = "app.tcss"
    MODES = {step: _screen_factory(step) for step in SCREEN_CLASSES}
    BINDINGS = [
        *(
            Binding(str(n), f"go('{mode}')", title, show=False, id=f"go-{mode}")
            for n, (mode, title) in enumerate(STEPS, start=1)
        ),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False, id="theme"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, session: Session, *, start: str = "project") -> None:
        super().__init__()
        if start not in SCREEN_CLASSES:
            raise ValueError(f"unknown screen {start!r}; one of {', '.join(STEP_NAMES)}")
        self.session = session
        self.start = start

    def on_mount(self) -> None:
        self.switch_mode(self.start)

    # -- navigation -------------------------------------------------------------------------
    def action_go(self, step: str) -> None:
        if self.current_mode != step:
            self.switch_mode(step)

    def action_help(self) -> None:
        from liftshift.tui.dialogs.help import HelpDialog  # Markdown: paid on first use only

        screen = self.screen
        if isinstance(screen, HelpDialog) or not isinstance(screen, StepScreen):
            return
        keys = "\n".join(
            f"| `{binding.key_display or binding.key}` | {binding.description} |"
            for binding in type(screen).BINDINGS
            if isinstance(binding, Binding)
        )
        title = dict(STEPS)[screen.STEP]
        markdown = f"# {title}\n\n{screen.HELP}\n\n## Keys on this screen\n\n"
        markdown += f"| Key | Does |\n|---|---|\n{keys}\n" if keys else "None.\n"
        markdown += f"\n## Everywhere\n{GENERAL_KEYS}"
        self.push_screen(HelpDialog(markdown))

    async def action_quit(self) -> None:
        """Quit; if a job launched here is still running, say what becomes of it first."""
        launched = self.session.train_result
        running = (
            launched is not None
            and self.session.model_version is None
            and self.session.job_state not in TERMINAL_STATES
        )
        if not running or isinstance(self.screen, ConfirmDialog):
            self.exit()
            return
        job_id = launched.handle.job_id
        message = (
            f"Job {job_id} keeps running after you quit. The next `liftshift run` in this "
            "project reattaches to it and registers its model (or reopen the app and follow "
            "it on Monitor)."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(message=message)

        self.push_screen(ConfirmDialog(f"Quit while {job_id} runs?", message, yes="Quit"), answered)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    # -- command palette ----------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The current step's main actions first, then the steps, then Textual's own."""
        if isinstance(screen, StepScreen):
            for title, help_text, action in screen.ACTIONS:
                yield SystemCommand(title, help_text, functools.partial(self._run, action, screen))
        for mode, title in STEPS:
            yield SystemCommand(
                f"Go to {title}", f"Open the {title} step", functools.partial(self.action_go, mode)
            )
        yield SystemCommand("Light/dark theme", "Switch theme", self.action_toggle_theme)
        yield from super().get_system_commands(screen)

    async def _run(self, action: str, screen: Screen) -> None:
        await self.run_action(action, screen)

    # -- errors -------------------------------------------------------------------------------
    def report_worker_state(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a notification instead of a crash."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{type(error).__name__}: {error}" if error else "failed",
                title=f"{event.worker.name or 'task'} failed",
                severity="error",
                timeout=12,
                markup=False,  # the message holds user text ("[a-z]…" in a rule, paths)
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_state(event)


def make_app(
    project_dir: Path | str | None = None,
    *,
    settings: Settings | None = None,
    start: str = "project",
) -> LiftshiftApp:
    """Build the app on a project folder (default: the current one).

    ``settings`` overrides everything (tests point it at emulators); otherwise they come from
    the environment like the CLI's. ``start`` opens a step directly.
    """
    if settings is None:
        settings = Settings.from_env(project_dir)
    elif project_dir is not None:
        from dataclasses import replace

        settings = replace(settings, project_dir=Path(project_dir).resolve())
    return LiftshiftApp(Session(settings=settings), start=start)
