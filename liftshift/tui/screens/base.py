"""What every step screen shares: the frame (header, step bar, footer) and worker errors.

Worker errors are turned into notifications in one place (the Harlequin pattern): every worker
is started with ``exit_on_error=False``, so a failing core call never crashes the app; the
``Worker.StateChanged`` message (which does not bubble) lands here and goes to the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header
from textual.worker import Worker

from liftshift.tui.widgets.step_bar import StepBar

if TYPE_CHECKING:
    from liftshift.tui.app import LiftshiftApp
    from liftshift.tui.session import Session


class StepScreen(Screen[None]):
    STEP: ClassVar[str] = ""
    """The mode name of this step (``project``, ``changes``, …)."""
    HELP: ClassVar[str] = ""
    """Markdown shown by ``?`` above the key list: what this step does and why."""
    ACTIONS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    """(title, help, action name) offered in the command palette while this screen is shown."""

    @property
    def lift_app(self) -> LiftshiftApp:
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        return self.lift_app.session

    def compose(self) -> ComposeResult:
        yield Header()
        yield StepBar(self.STEP)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.lift_app.report_worker_state(event)
