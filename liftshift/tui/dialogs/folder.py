"""Pick the project folder from a directory tree (or type a path)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label


class FolderTree(DirectoryTree):
    """Folders only, hidden ones left out: a project is a folder."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [path for path in paths if path.is_dir() and not path.name.startswith(".")]


class FolderDialog(ModalScreen[Path | None]):
    DEFAULT_CSS = """
    FolderDialog { align: center middle; }
    FolderDialog > Vertical {
        width: 80%; min-width: 60; height: 85%; border: thick $primary; background: $surface;
    }
    FolderDialog FolderTree { height: 1fr; }
    FolderDialog Horizontal { height: auto; align: right middle; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Choose the project folder (enter on a folder, or type a path)")
            yield FolderTree(self.start.parent if self.start.parent != self.start else self.start)
            yield Input(str(self.start), id="path")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Open", id="open", variant="primary")

    def on_directory_tree_directory_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#path", Input).value = str(event.path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._open()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "open":
            self._open()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _open(self) -> None:
        path = Path(self.query_one("#path", Input).value).expanduser()
        if not path.is_dir():
            self.notify(f"{path} is not a folder", severity="error")
            return
        self.dismiss(path.resolve())
