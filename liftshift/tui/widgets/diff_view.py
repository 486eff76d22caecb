"""A file's change as hunks you can accept or reject one by one (the Bowler/Fixit idea).

The widget renders the core's ``Hunk`` objects with syntax highlighting (the file's own
language, on green/red line backgrounds) and marks the hunk under the cursor. It changes
nothing itself: the screen flips ``hunk.accepted`` and asks the widget to redraw.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.containers import ScrollableContainer
from textual.widgets import Static

TODO_MARK = "TODO(liftshift)"
LEXERS = {".py": "python", ".ipynb": "json", ".toml": "toml", ".txt": "text", ".cfg": "ini"}


def lexer_for(path: str) -> str:
    suffix = path[path.rfind(".") :] if "." in path else ""
    return LEXERS.get(suffix, "text")


ADDED = {True: "on #123a12", False: "on #d4f4d4"}
REMOVED = {True: "on #3d1414", False: "on #f8d4d4"}
"""Line backgrounds by theme darkness."""


def render_hunk(hunk: Any, lexer: str, *, current: bool, dark: bool = True) -> Group:
    """The hunk's header (with its state) and its lines, highlighted."""
    theme = "ansi_dark" if dark else "ansi_light"
    syntax = Syntax("", lexer, theme=theme, background_color="default")
    state = "[x] accepted" if hunk.accepted else "[ ] rejected"
    marker = ">" if current else " "
    header = Text(f"{marker} {state}  {hunk.header}", no_wrap=True, overflow="ellipsis")
    header.stylize("bold reverse" if current else "bold")
    lines: list[Text] = [header]
    codes = [line[1:].rstrip("\r\n") for line in hunk.lines]
    # one highlight pass for the hunk, so multi-line strings keep their colour
    highlighted = syntax.highlight("\n".join(codes)).split("\n")
    for line, code, shown in zip(hunk.lines, codes, highlighted, strict=False):
        sign = line[:1]
        shown.rstrip()
        text = Text(sign or " ")
        text.append_text(shown)
        text.no_wrap = True
        if sign == "+":
            text.stylize(ADDED[dark] if hunk.accepted else "dim")
        elif sign == "-":
            text.stylize(REMOVED[dark] if hunk.accepted else "dim")
        else:
            text.stylize("dim")
        if TODO_MARK in code:
            text.stylize("bold yellow" if dark else "bold dark_orange3")
        lines.append(text)
    return Group(*lines)


def hunk_width(hunk: Any) -> int:
    """Cells the hunk's longest line needs (sign included): the view is that wide and the
    diff scrolls sideways, instead of cutting the line."""
    longest = max((cell_len(line.rstrip("\r\n").expandtabs(8)) for line in hunk.lines), default=0)
    return max(longest, cell_len(hunk.header) + 16) + 1


class HunkView(Static):
    DEFAULT_CSS = """
    HunkView { margin-bottom: 1; min-width: 100%; }
    HunkView.-rejected { opacity: 70%; }
    """


class DiffView(ScrollableContainer):
    """The hunks of one FileChange; ``current`` is the hunk keys act on. Long lines are
    never cut: the view scrolls sideways (left/right, shift+wheel)."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; border: round $panel; overflow-x: auto; overflow-y: auto; }
    DiffView:focus { border: round $accent; }
    """
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.change: Any = None
        self.current = 0
        self._views: list[HunkView] = []

    def show(self, change: Any) -> None:
        self.change = change
        self.current = 0
        self._views = []
        self.remove_children()
        if change is None:
            self.border_title = ""
            self.mount(Static("Nothing to review."))
            return
        title = change.path if change.kind != "move" else f"{change.old_path} -> {change.path}"
        self.border_title = f"{change.kind}: {title}"
        if not change.hunks:
            note = {"delete": "The file is removed.", "move": "Moved without edits."}
            self.mount(Static(note.get(change.kind, "No text change.")))
            return
        self._views = [HunkView() for _ in change.hunks]
        self.mount_all(self._views)
        self.redraw()

    def redraw(self) -> None:
        if self.change is None:
            return
        lexer = lexer_for(self.change.path)
        dark = self.app.current_theme.dark
        for index, (hunk, view) in enumerate(zip(self.change.hunks, self._views, strict=False)):
            view.update(render_hunk(hunk, lexer, current=index == self.current, dark=dark))
            view.styles.width = hunk_width(hunk)
            view.set_class(not hunk.accepted, "-rejected")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self.redraw(), init=False)

    def move(self, step: int) -> bool:
        """Make the hunk ``step`` away current; False (nothing moves) past the first or the
        last hunk, so the screen can go on to the neighbouring file."""
        if self.change is None or not self.change.hunks:
            return False
        target = self.current + step
        if not 0 <= target < len(self.change.hunks):
            return False
        self.current = target
        self.redraw()
        self.call_after_refresh(self._scroll_to_current)
        return True

    def select(self, index: int) -> None:
        """Make hunk ``index`` current (negative counts from the end)."""
        if self.change is None or not self.change.hunks:
            return
        self.current = index % len(self.change.hunks)
        self.redraw()
        self.call_after_refresh(self._scroll_to_current)

    def _scroll_to_current(self) -> None:
        if self.current < len(self._views):
            self._views[self.current].scroll_visible(top=True, animate=False)

    def goto_line(self, change: Any, line: int) -> None:
        """Make the hunk holding ``line`` (1-based, in the new text) the current one."""
        if change is not self.change:
            self.show(change)
        for index, hunk in enumerate(change.hunks):
            if hunk.new_start < line <= hunk.new_start + max(1, len(hunk.new_lines)):
                self.select(index)
                return

    @property
    def current_hunk(self) -> Any:
        if self.change is None or not self.change.hunks:
            return None
        return self.change.hunks[self.current]
