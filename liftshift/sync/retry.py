"""Retries with exponential backoff and full jitter, for throttling, 5xx and dropped connections.

Only :class:`TransientError` is retried: a missing bucket or a refused credential will not get
better by waiting. The wait is interruptible by the sync's cancel event.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from liftshift.foundation.storage import TransientError

T = TypeVar("T")


class Cancelled(Exception):
    """The user cancelled the sync."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base: float = 0.1
    cap: float = 8.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2**attempt)]."""
        return (rng or random).uniform(0, min(self.cap, self.base * 2**attempt))


def retrying(
    call: Callable[[], T],
    *,
    policy: RetryPolicy = RetryPolicy(),
    cancel: threading.Event | None = None,
    on_retry: Callable[[int, BaseException], None] | None = None,
) -> T:
    """Run ``call``; on :class:`TransientError` wait and try again, up to ``policy.attempts``."""
    cancel = cancel or threading.Event()
    for attempt in range(policy.attempts):
        if cancel.is_set():
            raise Cancelled()
        try:
            return call()
        except TransientError as exc:
            if attempt + 1 >= policy.attempts:
                raise
            if on_retry is not None:
                on_retry(attempt, exc)
            if cancel.wait(policy.delay(attempt)):
                raise Cancelled() from exc
    raise AssertionError("unreachable")
