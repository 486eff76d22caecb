"""Benchmark: `liftshift train examples/titanic-sklearn --target local`, phase by phase.

Prints the wall time of package build, environment setup (first and cached), training and
registration, for a cold and a warm run, then compares the warm run with running the same
trainer directly (`python -m trainer.task <same args>`). Target: warm overhead <= 2 s.

    .venv/bin/python bench/train_local.py [--runs N]
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
from liftshift.trainer import monitor
from liftshift.trainer.backends.local import LocalBackend
from liftshift.trainer.jobs import build_job_spec
from liftshift.trainer.localenv import ensure_environment, localize_arg, seed_sample_data
from liftshift.trainer.packaging import build_package, upload_package
from liftshift.trainer.service import register_model

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


def one_run(project: Path) -> dict[str, float]:
    """The phases of `liftshift train`, timed one by one (same calls as the service)."""
    settings = Settings(target="local", project_dir=project)
    plan = load_plan(project)
    times: dict[str, float] = {}
    total = time.perf_counter()
    t = time.perf_counter()
    spec = build_job_spec(plan, settings)
    built = build_package(project, settings, package=spec.package_name)
    times["build"] = time.perf_counter() - t
    t = time.perf_counter()
    uri = upload_package(built, settings, spec.staging_bucket)
    seed_sample_data(settings, spec.sample_data)
    ensure_environment(built, settings, framework=(spec.framework, spec.framework_version))
    times["environment"] = time.perf_counter() - t
    backend = LocalBackend(settings)
    t = time.perf_counter()
    handle = backend.submit(spec, uri)
    status = monitor.follow(backend, handle.job_id, lambda _e: None)
    times["training"] = time.perf_counter() - t
    if status.state.short != "SUCCEEDED":
        sys.exit(f"job failed: {status.error}")
    t = time.perf_counter()
    register_model(spec, status, settings)
    times["registration"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - total
    times["_args"] = [localize_arg(settings, a) for a in spec.args]  # type: ignore[assignment]
    times["_module"] = spec.python_module  # type: ignore[assignment]
    return times


def bare_run(project: Path, module: str, args: list[str]) -> float:
    """The trainer run directly, from the project folder, with the same arguments."""
    out = Path(tempfile.mkdtemp(prefix="bare-model-"))
    env = {**os.environ, "AIP_MODEL_DIR": str(out), "PYTHONPATH": str(project)}
    args = [*args[: args.index("--job-dir")], "--job-dir", str(out)]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", module, *args], cwd=project, env=env, check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - started


def cli_run(project: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "liftshift", "train", str(project), "--target", "local"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="warm runs to average")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liftshift-bench-") as tmp:
        project = migrated_copy(Path(tmp))
        cold = one_run(project)
        warm_runs = [one_run(project) for _ in range(options.runs)]
        module, args = cold["_module"], cold["_args"]
        bare = [bare_run(project, module, args) for _ in range(options.runs)]  # type: ignore[arg-type]
        cli_walls = [cli_run(project) for _ in range(options.runs)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in warm_runs)

    print(f"liftshift train examples/titanic-sklearn --target local  ({options.runs} warm runs)")
    print(f"{'phase':<14}{'cold (s)':>10}{'warm (s)':>10}")
    for key in ("build", "environment", "training", "registration", "total"):
        print(f"{key:<14}{cold[key]:>10.2f}{med(key):>10.2f}")
    bare_median = statistics.median(bare)
    cli_median = statistics.median(cli_walls)
    print(f"bare `python -m {module}`: {bare_median:.2f} s")
    print(f"warm in-process total: {med('total'):.2f} s  ratio {med('total') / bare_median:.2f}x  "
          f"overhead {med('total') - bare_median:+.2f} s")  # fmt: skip
    ratio, overhead = cli_median / bare_median, cli_median - bare_median
    print(f"warm CLI wall (`liftshift train`, new process): {cli_median:.2f} s  "
          f"ratio {ratio:.2f}x  overhead {overhead:+.2f} s")  # fmt: skip
    print("target: warm overhead <= 2 s")


if __name__ == "__main__":
    main()
