"""``?``: what the current step is for and every key it answers to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Markdown


class HelpDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > Vertical {
        width: 76; max-width: 98%; height: 90%; border: thick $primary; background: $surface;
    }
    HelpDialog Markdown { padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Markdown(self.markdown)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
