"""The row of steps at the top of every screen: where you are, and the key that jumps."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

STEPS: tuple[tuple[str, str], ...] = (
    ("project", "Project"),
    ("changes", "Changes"),
    ("data", "Data"),
    ("train", "Train"),
    ("monitor", "Monitor"),
    ("model", "Model"),
)
"""(mode name, title) in the order of the flow; the key to jump is the 1-based position."""


class StepBar(Static):
    DEFAULT_CSS = """
    StepBar { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, current: str) -> None:
        super().__init__(markup=False)
        self.current = current

    def on_mount(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, (mode, title) in enumerate(STEPS, start=1):
            label = f" {number} {title} "
            style = "bold reverse" if mode == self.current else ""
            text.append(label, style=style)
            if number < len(STEPS):
                text.append("\u203a", style="dim")
        self.update(text)
