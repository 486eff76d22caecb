"""A job log that follows new lines (``f``), searches (``/``) and stays fast at 100k lines.

Built on Textual's ``Log`` (line-based, virtual rendering) rather than ``RichLog``: a log of a
long training run is plain text, and ``Log`` only renders the visible lines. Lines arrive in
batches from the worker (see MonitorScreen), never one message per line.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Log


class JobLog(Log):
    DEFAULT_CSS = """
    JobLog { height: 1fr; border: round $panel; }
    JobLog:focus { border: round $accent; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=None, auto_scroll=True, highlight=False)
        self.last_match: int = -1

    @property
    def following(self) -> bool:
        return self.auto_scroll

    def toggle_follow(self) -> bool:
        self.auto_scroll = not self.auto_scroll
        if self.auto_scroll:
            self.scroll_end(animate=False)
        self.border_subtitle = "following" if self.auto_scroll else "paused (f to follow)"
        return self.auto_scroll

    def add_lines(self, lines: Iterable[str]) -> None:
        self.write_lines(lines)

    def find(self, text: str, *, after: int | None = None) -> int | None:
        """Scroll to the next line containing ``text`` (case-insensitive), wrapping around.
        Stops following so the match stays on screen. Returns the line index, or None."""
        if not text:
            return None
        needle = text.lower()
        start = (self.last_match if after is None else after) + 1
        total = len(self.lines)
        for offset in range(total):
            index = (start + offset) % total
            if needle in self.lines[index].lower():
                self.last_match = index
                self.auto_scroll = False
                self.border_subtitle = f"match at line {index + 1} (n: next, f: follow)"
                self.scroll_to(y=max(0, index - 2), animate=False)
                return index
        self.border_subtitle = f"no match for {text!r}"
        return None
