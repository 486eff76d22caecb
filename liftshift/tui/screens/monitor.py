"""Step — Monitor (waiting for its core part)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget

from liftshift.tui import core
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.widgets.unavailable import NotAvailable


class MonitorScreen(StepScreen):
    STEP = "monitor"
    HELP = "Not available in this build yet."

    def compose_body(self) -> Iterable[Widget]:
        yield NotAvailable(core.TRAIN)
