"""Fixtures for the app's tests: a fresh copy of an example project per test."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from liftshift.foundation.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def titanic(tmp_path: Path) -> Iterator[Path]:
    """A copy of ``examples/titanic-sklearn`` named like the original (snapshots show the name).

    Every training job started on it is cancelled at teardown, passed or failed."""
    target = tmp_path / "titanic-sklearn"
    shutil.copytree(EXAMPLES / "titanic-sklearn", target, ignore=shutil.ignore_patterns(".*"))
    yield target
    cancel_local_jobs(target)


def cancel_local_jobs(project: Path) -> None:
    """Cancel the local target's unfinished jobs in ``project`` through the backend's own
    ``cancel``: a local job runs detached from the app, so one a test left running (a long
    job it chose not to cancel, a test that failed half way) would eat the shared CPU for
    minutes after the test."""
    from liftshift.trainer.backends import get_backend

    backend = get_backend(Settings.from_env(project, env={}))
    for status in backend.list_jobs():
        if not status.state.terminal:
            backend.cancel(status.job_id)


@pytest.fixture
def local_settings(titanic: Path) -> Settings:
    """The local target on the titanic copy, ignoring the caller's environment."""
    return Settings.from_env(titanic, env={})


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests here with asyncio.run: Pilot needs nothing more, and no async
    plugin is a declared dependency of the project."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


async def wait_for(pilot: Any, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the app run until ``predicate()`` holds (workers report asynchronously)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        await pilot.pause(0.05)


async def started(pilot: Any) -> None:
    """Wait until the Project step's overview, mounted just after the first paint, is built:
    an app told to quit while it mounts races Textual's own Select mount."""
    from liftshift.tui.screens.project import ProjectScreen

    app = pilot.app
    await wait_for(
        pilot,
        lambda: not isinstance(app.screen, ProjectScreen) or bool(app.screen.query("#launchers")),
    )
