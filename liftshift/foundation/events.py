"""Progress reporting shared by every long-running step.

The core reports through a plain callable so it never knows who is watching: the CLI renders
events with rich, the app posts them as Textual messages from its worker threads, tests collect
them in a list. Each subsystem defines its own frozen event dataclasses next to the code that
emits them (sync progress, job state changes, log lines...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Reporter = Callable[[Any], None]
"""Receives event dataclasses. Must be cheap and thread-safe: sync and training call it from
worker threads."""


def ignore(_event: Any) -> None:
    """The reporter for callers that do not care about progress."""


def human_bytes(size: float) -> str:
    """``14.6 KiB``: sizes in progress lines, summaries and the app, in binary units."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def printable(text: str) -> str:
    """``text`` with every control, format (bidi) or other invisible character escaped
    (``\\x01``, ``\\u202e``): keys and names from a bucket are shown as they are, never as a
    terminal would interpret them (a right-to-left override can make ``gpj.exe`` read as
    ``exe.jpg``) and never silently stripped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
