"""Messages the app's thread workers post back to the screens ("attributes down, messages up").

Workers run blocking core calls in threads; they never touch widgets. They post one of these
(``post_message`` is thread-safe) and the screen updates itself on the UI thread. Progress
messages set ``can_replace`` so a fast core does not flood the queue (the Toolong pattern).
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class CoreProgress(Message):
    """A progress event from the core, wrapped unchanged; the screen decides how to show it."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CoreProgress) and type(message.event) is type(self.event)


class CoreEvent(Message):
    """A core event that must not be dropped (a log line, a state change, a failed object)."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class CoreResult(Message):
    """A worker finished: ``kind`` says which step, ``value`` is the core's return value."""

    def __init__(self, kind: str, value: Any) -> None:
        super().__init__()
        self.kind = kind
        self.value = value


class SessionChanged(Message):
    """Something in the shared session (scan, plan, changes, job, model) changed."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what
