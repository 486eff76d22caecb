"""Benchmark: `migrate --check` over a generated tree of script-mode trainers.

Generates N projects (default 1,000), each one trainer written like the corpus in
tests/corpus (varied names, channels and defaults) plus its liftshift.toml, then prints:

* the baseline: libcst parse + code generation of the same trainer files, one process;
* liftshift's full `--check` pipeline (plan load, six rules, change set, report), one process;
* the same over a process pool (`check_projects(..., workers=cpu_count)`),

as files/s and as a ratio to the baseline.  Run: `.venv/bin/python bench/migrate.py [N]`.
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

from liftshift.migrator.migrate import check_projects  # noqa: E402
from liftshift.migrator.plan import ChannelPlan, Plan, save_plan  # noqa: E402

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


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    folder = Path(tempfile.mkdtemp(prefix="liftshift-bench-"))
    try:
        roots = generate(folder, count)
        files = [root / "train.py" for root in roots]
        baseline = timed(lambda: [cst.parse_module(f.read_text("utf-8")).code for f in files])
        serial = timed(lambda: check_projects(roots, workers=1))
        workers = os.cpu_count() or 1
        results: list = []
        parallel = timed(lambda: results.extend(check_projects(roots, workers=workers)))
        failures = [result for result in results if result.failure]
        print(f"trainers: {count}  (cpus: {workers})")
        print(f"libcst parse+codegen baseline: {count / baseline:8.0f} files/s")
        print(
            f"migrate --check, 1 process:    {count / serial:8.0f} files/s"
            f"   ratio to baseline {serial / baseline:5.1f}x"
        )
        print(
            f"migrate --check, {workers} processes:  {count / parallel:8.0f} files/s"
            f"   ratio to baseline {parallel / baseline:5.1f}x"
        )
        print(
            f"projects with changes: {sum(r.files_changed > 0 for r in results)}; "
            f"failures: {len(failures)}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
