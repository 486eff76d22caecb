"""Turning core values into short cell text, the same way on every screen."""

from __future__ import annotations

import dataclasses
import json
from typing import Any


def value_text(value: Any) -> str:
    """A scanned value: literals as JSON-ish text, unresolved expressions marked as such."""
    if value is None:
        return "—"
    if dataclasses.is_dataclass(value) and hasattr(value, "source"):
        return f"? {value.source}"  # an Unresolved: say it is not a static value
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except TypeError:
        return str(value)


def duration_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe_event(event: Any) -> str:
    """One status line for a core progress event: ``build: package unchanged``,
    ``launch.py (1/3)``. Events share field names, not a base class, so read those."""
    step = getattr(event, "step", None)
    for name in ("message", "text", "path", "key", "state", "name"):
        value = getattr(event, name, None)
        if isinstance(value, str) and value:
            done, total = getattr(event, "done", None), getattr(event, "total", None)
            counts = f" ({done}/{total})" if done is not None and total else ""
            prefix = f"{step}: " if isinstance(step, str) and step else ""
            return f"{prefix}{value}{counts}"
    return str(event)
