"""How long the app takes from process start to its first painted screen (headless).

Compares against an empty Textual app on the same machine (target: at most 1.5x) and prints
where the import time goes (``python -X importtime``). Usage::

    .venv/bin/python bench/tui_start.py [PROJECT] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EMPTY_APP = """
from textual.app import App
from textual.widgets import Footer, Header

class Empty(App):
    def compose(self):
        yield Header()
        yield Footer()

async def stop(pilot):
    pilot.app.exit()

Empty().run(headless=True, size=(80, 24), auto_pilot=stop)
"""

LIFTSHIFT_APP = """
import sys
from liftshift.tui.app import make_app

async def stop(pilot):
    pilot.app.exit()

make_app(sys.argv[1]).run(headless=True, size=(80, 24), auto_pilot=stop)
"""


def time_process(code: str, *args: str, runs: int) -> list[float]:
    """Wall time of whole processes: interpreter start, imports, compose, first paint, exit."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


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

    time_process(EMPTY_APP, runs=1)  # warm the file cache and .pyc files
    time_process(LIFTSHIFT_APP, options.project, runs=1)
    empty = time_process(EMPTY_APP, runs=options.runs)
    ours = time_process(LIFTSHIFT_APP, options.project, runs=options.runs)
    empty_median, ours_median = statistics.median(empty), statistics.median(ours)
    print(f"runs: {options.runs} each, headless 80x24, project {Path(options.project).name}")
    print(
        f"empty Textual app  start -> first paint -> exit: median {empty_median * 1000:.0f} ms "
        f"(min {min(empty) * 1000:.0f})"
    )
    print(
        f"liftshift app      start -> first paint -> exit: median {ours_median * 1000:.0f} ms "
        f"(min {min(ours) * 1000:.0f})"
    )
    ratio = ours_median / empty_median
    print(f"ratio: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER TARGET'}")
    print("\nslowest imports of liftshift.tui.app (cumulative ms):")
    for cumulative, name in import_breakdown("liftshift.tui.app"):
        print(f"  {cumulative / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
