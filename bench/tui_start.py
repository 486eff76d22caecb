"""How long the app takes from process start to its first painted screen (headless).

Compares against an empty Textual app on the same machine (target: at most 1.5x) and prints
where the import time goes (``python -X importtime``). Usage::

    .venv/bin/python bench/tui_start.py [PROJECT] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST_PAINT_PROBE = """
import os, sys, time
from textual.app import App

WANT = os.environ.get("BENCH_WAIT_FOR", "")

# Bench-only hook on Textual's private frame writer: the first frame of a screen that has
# widgets is the first paint. Print the wall clock and leave at once (no shutdown cost).
_display = App._display

def _first_paint(self, screen, renderable):
    if (
        renderable is not None and self._running and not self._batch_count and screen.children
        and (not WANT or screen.query(WANT))
    ):
        print(time.time(), time.process_time(), flush=True)
        os._exit(0)
    return _display(self, screen, renderable)

App._display = _first_paint
"""

EMPTY_APP = (
    FIRST_PAINT_PROBE
    + """
from textual.widgets import Footer, Header

class Empty(App):
    def compose(self):
        yield Header()
        yield Footer()

Empty().run(headless=True, size=(80, 24))
"""
)

LIFTSHIFT_APP = (
    FIRST_PAINT_PROBE
    + """
import sys
from liftshift.tui.app import make_app

make_app(sys.argv[1]).run(headless=True, size=(80, 24))
"""
)


def time_once(code: str, *args: str, wait_for: str = "") -> tuple[float, float]:
    """(wall, cpu) seconds from launching the interpreter to the first painted frame. The
    child prints its wall clock and its own CPU time when the frame is written, then exits at
    once. CPU time is what to compare on a busy machine: other processes do not inflate it."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_WAIT_FOR": wait_for},
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall) - start, float(cpu)


def summary(name: str, samples: list[tuple[float, float]]) -> tuple[float, float]:
    walls = [wall for wall, _ in samples]
    cpus = [cpu for _, cpu in samples]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"{name:<34} wall median {wall * 1000:5.0f} ms (min {min(walls) * 1000:4.0f})   "
        f"cpu median {cpu * 1000:5.0f} ms (min {min(cpus) * 1000:4.0f})"
    )
    return wall, cpu


def import_breakdown(module: str, top: int = 15) -> list[tuple[int, str]]:
    """The slowest imports (cumulative microseconds) of ``import module`` in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative, name = line.split(":", 1)[1].split("|", 2)
        rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return rows[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(ROOT / "examples" / "titanic-sklearn"))
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    time_once(EMPTY_APP)  # warm the file cache and .pyc files
    time_once(LIFTSHIFT_APP, options.project)
    empty: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    tables: list[tuple[float, float]] = []
    for _ in range(options.runs):  # interleaved, so load from other processes hits all three
        empty.append(time_once(EMPTY_APP))
        ours.append(time_once(LIFTSHIFT_APP, options.project))
        tables.append(time_once(LIFTSHIFT_APP, options.project, wait_for="DataTable"))
    print(f"runs: {options.runs} each, headless 80x24, project {Path(options.project).name}")
    print("process start -> first painted frame")
    empty_wall, empty_cpu = summary("empty Textual app (Header+Footer)", empty)
    ours_wall, ours_cpu = summary("liftshift app, first frame", ours)
    summary("liftshift app, overview tables", tables)
    for label, ratio in (("cpu", ours_cpu / empty_cpu), ("wall", ours_wall / empty_wall)):
        verdict = "OK" if ratio <= 1.5 else "OVER TARGET"
        print(f"ratio ({label}): {ratio:.2f}x (target <= 1.5x) {verdict}")
    print("\nslowest imports of liftshift.tui.app (cumulative ms):")
    for cumulative, name in import_breakdown("liftshift.tui.app"):
        print(f"  {cumulative / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
