"""An honest placeholder for a step whose core part has not been built yet."""

from __future__ import annotations

from textual.widgets import Static

from liftshift.tui.core import CorePart, unavailable_text


class NotAvailable(Static):
    DEFAULT_CSS = """
    NotAvailable { padding: 1 2; color: $warning; border: round $warning; height: auto; }
    """

    def __init__(self, part: CorePart, *, id: str | None = None) -> None:
        super().__init__(unavailable_text(part), id=id, markup=False)
