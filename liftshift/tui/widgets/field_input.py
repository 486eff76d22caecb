"""A form field you enter on purpose: the step keys still work until you start typing.

Tabbing onto a field used to select its whole text, so the next ``2`` (meant to open the
Changes step) replaced a GCS destination with "2". A :class:`FieldInput` keeps its text
unselected on focus and lets the step keys (``1``-``6``, ``]``) through to the app until you
type something else (or press enter, backspace, an arrow) in it; from then on every key is
text. ``escape`` leaves the field (the step keys work again) and ``ctrl+z`` undoes edits.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.widgets import Input

STEP_KEYS = frozenset("123456]")
"""Characters the app binds to step navigation (see ``LiftshiftApp.BINDINGS``)."""


class FieldInput(Input):
    BINDINGS = [
        Binding("escape", "leave", "Leave field", show=False),
        Binding("ctrl+z", "undo", "Undo", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        self.editing = False
        """Whether keys are text now (after the first key that was not a step key)."""
        self._history: list[str] = []
        self._undoing = False

    # Textual calls the handler of every class in the MRO (Input's too) unless one prevents
    # the default: these only add to Input's own.
    def _on_focus(self, _event: events.Focus) -> None:
        self.editing = False

    def _on_blur(self, _event: events.Blur) -> None:
        self.editing = False

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Step keys are not consumed (the app's bindings see them) until editing starts."""
        if not self.editing and character in STEP_KEYS:
            return False
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if not self.editing and event.character in STEP_KEYS:
            # Not text yet: Input must not type it, and the key bubbles on to the app's step
            # bindings.
            event.prevent_default()
            return
        self.editing = True

    def watch_value(self, old: str, _new: str) -> None:
        if self.has_focus and not self._undoing:
            self._history.append(old)

    def action_leave(self) -> None:
        self.screen.set_focus(None)

    def action_undo(self) -> None:
        if not self._history:
            return
        self._undoing = True
        try:
            self.value = self._history.pop()
            self.cursor_position = len(self.value)
        finally:
            self._undoing = False
