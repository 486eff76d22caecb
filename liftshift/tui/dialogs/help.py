"""``?``: what the current step is for and every key it answers to.

The text scrolls (arrows, page keys, the mouse wheel): at 80x24 the keys are below the fold.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class HelpDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > VerticalScroll {
        width: 76; max-width: 98%; height: 90%; border: thick $primary; background: $surface;
    }
    HelpDialog Markdown { padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-text") as scroll:
            scroll.border_subtitle = "↑↓ PgUp PgDn scroll · esc closes"
            yield Markdown(self.markdown)

    def on_mount(self) -> None:
        self.query_one("#help-text", VerticalScroll).focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
