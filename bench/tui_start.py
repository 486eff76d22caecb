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
        print(time.time(), flush=True)
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


def time_once(code: str, *args: str, wait_for: str = "") -> float:
    """Seconds from launching the interpreter to the first painted frame (the child prints
    the wall clock when it is written, then exits at once)."""
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_WAIT_FOR": wait_for},
    )
    return float(out.stdout.strip().splitlines()[-1]) - start


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
    empty: list[float] = []
    ours: list[float] = []
    tables: list[float] = []
    for _ in range(options.runs):  # interleaved, so load from other processes hits all three
        empty.append(time_once(EMPTY_APP))
        ours.append(time_once(LIFTSHIFT_APP, options.project))
        tables.append(time_once(LIFTSHIFT_APP, options.project, wait_for="DataTable"))
    empty_median, ours_median = statistics.median(empty), statistics.median(ours)
    print(f"runs: {options.runs} each, headless 80x24, project {Path(options.project).name}")
    print(
        f"empty Textual app  start -> first paint: median {empty_median * 1000:.0f} ms "
        f"(min {min(empty) * 1000:.0f})"
    )
    print(
        f"liftshift app      start -> first paint: median {ours_median * 1000:.0f} ms "
        f"(min {min(ours) * 1000:.0f})"
    )
    print(
        f"liftshift app      start -> overview tables painted: median "
        f"{statistics.median(tables) * 1000:.0f} ms (min {min(tables) * 1000:.0f}; "
        "built right after the first frame)"
    )
    ratio = ours_median / empty_median
    print(f"ratio: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER TARGET'}")
    print("\nslowest imports of liftshift.tui.app (cumulative ms):")
    for cumulative, name in import_breakdown("liftshift.tui.app"):
        print(f"  {cumulative / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
