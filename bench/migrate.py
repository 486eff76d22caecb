"""Benchmark: `migrate --check` over a generated tree of script-mode trainers.

Generates N projects (default 1,000), each one trainer written like the corpus in
tests/corpus (varied names, channels and defaults) plus its liftshift.toml, then prints:

* the baseline: libcst parse + code generation of the same trainer files, one process;
* liftshift's full `--check` pipeline (plan load, six rules, change set, report), one process;
* the same over a process pool (`check_projects(..., workers=cpu_count)`),

as wall-clock files/s and CPU time per file, each with its ratio to the baseline (CPU time is
the fair comparison on a shared machine; wall time is what a user waits).
Run: `.venv/bin/python bench/migrate.py [N]`.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liftshift.foundation.plan import ChannelPlan, Plan, save_plan  # noqa: E402
from liftshift.migrator.migrate import check_projects  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    templates = [
        path.read_text(encoding="utf-8")
        for path in sorted(CORPUS.glob("*.py"))
        if path.name != "broken_syntax.py"
    ]
    roots = []
    for index in range(count):
        text = templates[index % len(templates)]
        # vary it so no two files are identical: names, defaults, an extra helper
        text = text.replace(
            "SM_CHANNEL_TEST", f"SM_CHANNEL_{rng.choice(['TEST', 'EVAL', 'HOLDOUT'])}"
        )
        text = re.sub(
            r"default=(\d+)", lambda m: f"default={int(m.group(1)) + rng.randint(0, 9)}", text
        )
        text += f"\n\ndef _helper_{index}(value):\n    return value * {rng.randint(2, 99)}\n"
        root = folder / f"project-{index:04d}"
        root.mkdir(parents=True)
        (root / "train.py").write_text(text, encoding="utf-8")
        plan = Plan()
        plan.code.entry_point = "train.py"
        channels = sorted(set(re.findall(r"SM_CHANNEL_([A-Z_]+)\b", text)))
        plan.data.channels = [
            ChannelPlan(name=name.lower(), destination=f"gs://bench/{name.lower()}")
            for name in channels
        ]
        save_plan(plan, root)
        roots.append(root)
    return roots


def timed(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its children)."""
    before = os.times()
    start = time.perf_counter()
    function()
    wall = time.perf_counter() - start
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return wall, cpu


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    folder = Path(tempfile.mkdtemp(prefix="liftshift-bench-"))
    try:
        roots = generate(folder, count)
        files = [root / "train.py" for root in roots]
        base_wall, base_cpu = timed(
            lambda: [cst.parse_module(f.read_text("utf-8")).code for f in files]
        )
        serial_wall, serial_cpu = timed(lambda: check_projects(roots, workers=1))
        workers = os.cpu_count() or 1
        results: list = []
        pool_wall, pool_cpu = timed(lambda: results.extend(check_projects(roots, workers=workers)))
        failures = [result for result in results if result.failure]
        print(f"trainers: {count}  (cpus: {workers}, load average {os.getloadavg()[0]:.1f})")
        print("                                 wall files/s  ratio | CPU ms/file  ratio")
        rows = [
            ("libcst parse+codegen baseline", base_wall, base_cpu),
            ("migrate --check, 1 process", serial_wall, serial_cpu),
            (f"migrate --check, {workers} processes", pool_wall, pool_cpu),
        ]
        for label, wall, cpu in rows:
            print(
                f"{label:32s} {count / wall:8.0f} {wall / base_wall:6.1f}x |"
                f" {cpu * 1000 / count:8.1f} {cpu / base_cpu:6.1f}x"
            )
        changed = sum(result.files_changed > 0 for result in results)
        print(f"projects with changes: {changed}; failures: {len(failures)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
