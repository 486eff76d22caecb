"""Benchmark: scan a generated tree of 2,000 Python files vs parsing them with libcst alone.

    .venv/bin/python bench/scan.py [--files 2000] [--jobs N]

Prints files/s for libcst parsing alone (one process, read + ``parse_module``), for
``scan_project`` in one process, and for ``scan_project`` with worker processes, and the ratio
scan / parse (target: <= 1.5). The tree mixes training scripts, launchers and notebooks with
plain modules (some of which mention ``os.environ`` and so get walked too).

One-process figures use CPU time (``time.process_time``), which other jobs on a shared machine
barely disturb; the worker-process figure can only be wall time, so it is only meaningful on an
otherwise idle machine (compare ``cpu_count`` with the load average printed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

import libcst as cst

from liftshift.scan import scan_project

TRAINING = """
import argparse
import json
import os
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def env(name, default=None):
    return os.environ.get(name, default)


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, default={n})
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--hosts", default=json.loads(os.environ["SM_HOSTS"]))
    return parser.parse_args()


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


if __name__ == "__main__":
    args = parse_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    output = env("SM_OUTPUT_DATA_DIR")
    model = RandomForestClassifier(n_estimators=args.n_estimators).fit(frame, frame["y"])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
"""

LAUNCHER = """
import sagemaker
from sagemaker.sklearn.estimator import SKLearn

BUCKET = "bench-bucket-{n}"
estimator = SKLearn(
    entry_point="train_{n}.py",
    role="arn:aws:iam::123456789012:role/x",
    instance_type="ml.m5.xlarge",
    framework_version="1.2-1",
    hyperparameters={{"n-estimators": {n}, "target": "y"}},
)
estimator.fit({{"train": f"s3://{{BUCKET}}/train", "test": f"s3://{{BUCKET}}/test"}})
"""

PLAIN_FUNCTION = '''

def function_{i}(values, scale={i}, *, offset=0.5):
    """Compute something plausible from ``values``."""
    result = []
    for index, value in enumerate(values):
        if value is None or index % {m} == 0:
            continue
        item = {{"index": index, "value": value * scale + offset, "name": f"item-{{index}}"}}
        result.append(item)
    return sorted(result, key=lambda entry: (entry["value"], entry["name"]))


class Helper{i}:
    def __init__(self, size: int = {i}) -> None:
        self.size = size
        self.cache: dict[str, list[int]] = {{}}

    def run(self, text: str) -> list[int]:
        if text not in self.cache:
            self.cache[text] = [ord(char) % self.size for char in text]
        return self.cache[text]
'''


def generate(root: Path, count: int, rng: random.Random) -> None:
    for number in range(count):
        folder = root / f"pkg{number // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = rng.random()
        if kind < 0.10:
            (folder / f"train_{number}.py").write_text(TRAINING.format(n=number))
        elif kind < 0.15:
            (folder / f"launch_{number}.py").write_text(LAUNCHER.format(n=number))
        else:
            body = "import os\n\nHOME = os.environ.get('HOME')\n" if kind < 0.25 else ""
            body += "import math\n" + "".join(
                PLAIN_FUNCTION.format(i=i, m=i % 7 + 2) for i in range(rng.randint(3, 8))
            )
            (folder / f"module_{number}.py").write_text(body)


def parse_only(root: Path) -> tuple[float, int]:
    """CPU seconds to read and parse every file in this process."""
    start = time.process_time()
    files = 0
    for path in sorted(root.rglob("*.py")):
        cst.parse_module(path.read_text(encoding="utf-8"))
        files += 1
    return time.process_time() - start, files


def timed_scan(root: Path, jobs: int | None) -> tuple[float, float, int]:
    """(CPU seconds of this process, wall seconds, files) for one scan."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = scan_project(root, jobs=jobs)
    return time.process_time() - cpu, time.perf_counter() - wall, result.files_scanned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPUs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liftshift-bench-") as folder:
        root = Path(folder)
        generate(root, args.files, random.Random(2000))
        size = sum(path.stat().st_size for path in root.rglob("*.py"))
        parse_only(root)  # warm the page cache
        parse_time, files = parse_only(root)
        serial_time, _, _ = timed_scan(root, jobs=1)
        _, parallel_wall, scanned = timed_scan(root, jobs=args.jobs)
        assert scanned == files
        rows = {
            "files": files,
            "megabytes": round(size / 1e6, 2),
            "cpu_count": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "libcst_parse_files_per_cpu_s": round(files / parse_time),
            "scan_1_process_files_per_cpu_s": round(files / serial_time),
            "ratio_scan_1_process_vs_parse": round(serial_time / parse_time, 2),
            "scan_processes_files_per_wall_s": round(files / parallel_wall),
            "ratio_scan_processes_wall_vs_parse_cpu": round(parallel_wall / parse_time, 2),
        }
        width = max(len(key) for key in rows)
        for key, value in rows.items():
            print(f"{key:<{width}}  {value}")
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
