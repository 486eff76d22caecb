"""Benchmark: the overhead of `liftshift verify` on examples/titanic-sklearn over the two bare
trainer runs it contains.

Migrates a copy, runs verify once cold (builds the package and the trainer environment), then
times warm verifies and the two bare runs: the original entry point with its SM_* environment
(`python train.py <args>`) and the migrated module with AIP_MODEL_DIR (`python -m trainer.train
<args>`), each in the same trainer Python. Verify runs the two sides side by side, so both the
sum and the longer of the bare runs are shown. Target: <= +3 s warm.

    .venv/bin/python bench/verify.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage.uri import channel_dir_uri
from liftshift.trainer.jobs import build_job_spec, channel_destination
from liftshift.trainer.localenv import ensure_environment, local_path, localize_arg
from liftshift.trainer.packaging import build_package
from liftshift.verify import sagemaker, verify_project

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "titanic-sklearn"


def migrated_copy(root: Path) -> Path:
    project = root / "titanic-sklearn"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".liftshift"))
    runner = CliRunner()
    runner.invoke(cli, ["plan", str(project)])
    result = runner.invoke(cli, ["migrate", str(project), "--apply", "--force"])
    if not (project / "trainer").is_dir():
        sys.exit(f"migration failed:\n{result.output}")
    return project


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def bare_runs(project: Path, original_src: Path, scratch: Path) -> tuple[float, float]:
    settings = Settings(target="local", project_dir=project)
    plan = load_plan(project)
    spec = build_job_spec(plan, settings)
    python = ensure_environment(  # the job's own environment (cached): same as verify's
        build_package(project, settings),
        settings,
        framework=(spec.framework, spec.framework_version),
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AIP_"))}
    channels = []
    for channel in plan.data.channels:
        folder = local_path(settings, channel_dir_uri(channel_destination(channel, plan)))
        files = tuple((p.name, p) for p in sorted(folder.iterdir()) if p.is_file())
        channels.append(sagemaker.ChannelData(channel.name, files))
    job = sagemaker.TrainingJobInput(
        entry_point=plan.code.entry_point,
        source_dir=original_src,
        hyperparameters=plan.training.hyperparameters,
        channels=tuple(channels),
        framework=plan.training.framework,
    )
    shutil.rmtree(scratch, ignore_errors=True)
    prepared = sagemaker.prepare(job, scratch / "opt-ml")
    original = timed([str(python), *prepared.command_args], prepared.code_dir, base | prepared.env)
    model_dir = scratch / "model"
    model_dir.mkdir()
    args = [localize_arg(settings, arg) for arg in spec.args]
    migrated = timed(
        [str(python), "-m", spec.python_module, *args],
        project,
        base | {"AIP_MODEL_DIR": str(model_dir)},
    )
    return original, migrated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="warm runs (default 1)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liftshift-bench-verify-") as tmp:
        project = migrated_copy(Path(tmp))
        t = time.perf_counter()
        report = verify_project(project)
        cold = time.perf_counter() - t
        if not report.ok:
            sys.exit(f"verify did not match: {report.reason} {report.diagnosis}")
        original_src = Path(report.work_dir) / "original-src"
        kept = Path(tmp) / "original-src"
        shutil.copytree(original_src, kept)
        warm, bare_original, bare_migrated = [], [], []
        for _ in range(options.runs):
            t = time.perf_counter()
            verify_project(project)
            warm.append(time.perf_counter() - t)
            o, m = bare_runs(project, kept, Path(tmp) / "bare")
            bare_original.append(o)
            bare_migrated.append(m)
    w = statistics.median(warm)
    o, m = statistics.median(bare_original), statistics.median(bare_migrated)
    print(f"verify cold (builds package + environment): {cold:6.2f} s")
    print(f"verify warm (median of {options.runs}):            {w:6.2f} s")
    print(f"bare original run:                          {o:6.2f} s")
    print(f"bare migrated run:                          {m:6.2f} s")
    print(f"overhead over the sum of both bare runs:    {w - (o + m):+6.2f} s")
    print(f"overhead over the longer bare run:          {w - max(o, m):+6.2f} s  (target <= +3 s)")


if __name__ == "__main__":
    main()
