"""Run a long core call in a worker thread so Ctrl-C can stop it cleanly.

The first Ctrl-C sets the cancel event and waits for the work to wind down (finish the open
chunk, leave a running job running); a second one aborts. The wait is on an event the worker
sets, never ``Thread.join``: on Python 3.11 a Ctrl-C that lands inside ``join`` marks the
thread as stopped while it still runs, so the next ``join`` returns at once with no result
(that was ``internal error: IndexError`` after Ctrl-C in ``liftshift run``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_cancellable(
    work: Callable[[threading.Event], T],
    on_interrupt: Callable[[], None],
    *,
    name: str = "liftshift-work",
    on_tick: Callable[[], None] = lambda: None,
) -> T:
    """``work(cancel)`` in a thread; its result, or the exception it raised. ``on_tick`` runs
    every 0.2 s while waiting (to refresh a status line)."""
    cancel = threading.Event()
    done = threading.Event()
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = work(cancel)
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    try:
        while not done.wait(0.2):
            on_tick()
    except KeyboardInterrupt:
        cancel.set()
        on_interrupt()
        while not done.wait(0.2):  # a second Ctrl-C propagates: abort
            pass
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
