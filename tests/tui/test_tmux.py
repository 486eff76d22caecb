"""The real app in a real terminal (tmux): what a person sees, from scan to model version 1."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """A detached tmux session on its own socket (never the user's tmux server)."""

    def __init__(self, socket: str, session: str) -> None:
        self.base = ["tmux", "-L", socket]
        self.session = session

    def start(self, folder: Path) -> None:
        command = (
            f"cd {shlex.quote(str(folder))} && env -u LIFTSHIFT_TARGET -u STORAGE_EMULATOR_HOST "
            f"TERM=xterm-256color {shlex.quote(sys.executable)} -m liftshift tui ."
        )
        subprocess.run(
            [*self.base, "new-session", "-d", "-s", self.session, "-x", "80", "-y", "24", command],
            check=True,
        )

    def send(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", self.session, *keys], check=True)

    def screen(self) -> str:
        out = subprocess.run(
            [*self.base, "capture-pane", "-p", "-t", self.session],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{self.screen()}")


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"liftshift-test-{uuid.uuid4().hex[:8]}", "app")
    try:
        yield term
    finally:
        subprocess.run([*term.base, "kill-server"], check=False, capture_output=True)


def test_a_person_gets_from_scan_to_model_version_1(terminal: Terminal, titanic: Path) -> None:
    terminal.start(titanic)
    terminal.wait_for("1 launcher(s)", timeout=60)
    assert "SKLearn" in terminal.screen()

    terminal.send("2")
    terminal.wait_for("hunks accepted", timeout=60)
    terminal.send("w")
    terminal.wait_for("file(s)?")
    terminal.send("y")
    terminal.wait_for("already migrated", timeout=60)
    assert (titanic / "trainer" / "train.py").exists()

    terminal.send("3")
    terminal.wait_for("d: dry run")
    terminal.send("s")
    terminal.wait_for("Sync done", timeout=60)

    terminal.send("4")
    terminal.wait_for("Worker pools")
    terminal.send("l")
    terminal.wait_for("SUCCEEDED", timeout=240)
    terminal.wait_for("accuracy")

    terminal.send("6")
    screen = terminal.wait_for("Version    1", timeout=60)
    assert "default" in screen
    terminal.send("C-q")
