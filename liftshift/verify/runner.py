"""``liftshift verify``: run the original under the local SageMaker runtime and the migrated
package as a local Vertex job, on the same data, hyperparameters, Python and seeds, then
compare what they produced and say in plain words why they differ.

Everything it writes stays in ``<project>/.liftshift/verify/<stamp>/`` (the previous verify
folder is removed first): the restored original, the ``/opt/ml`` stand-in, the shim, logs,
temp files. The migrated side is a normal local job (``.liftshift/jobs/…-verify-…``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.plan import Plan, PlanError, load_plan, settings_for_plan
from liftshift.foundation.settings import LOCAL_DIRNAME, Settings
from liftshift.foundation.storage.uri import channel_dir_uri
from liftshift.trainer.jobs import JobSpecError, StepProgress, TrainOverrides, channel_destination
from liftshift.verify import compare, diagnose, sagemaker
from liftshift.verify.report import SideRun, VerifyReport

VERIFY_DIR = "verify"
SHIM = Path(__file__).with_name("_shim.py")
PREDICT = Path(__file__).with_name("_predict.py")
ANSWER = "@@"
"""The prefix of an answer line of ``_predict.py`` (its own copy: it imports nothing of ours)."""
NOT_DETERMINISTIC = {"tensorflow", "pytorch", "huggingface", "mxnet"}
_ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$")


class VerifyError(RuntimeError):
    """Verify cannot start (not migrated, no original found); the message says what to do."""


@dataclass(frozen=True)
class VerifyOptions:
    original: Path | None = None
    """The SageMaker project before migration; default: restored from the last apply backup."""
    rtol: float = 1e-6
    seed: int = 0
    timeout: float | None = None
    """Seconds each side may run (None: no limit)."""


def verify_project(
    project_dir: Path,
    settings: Settings | None = None,
    options: VerifyOptions | None = None,
    *,
    reporter: Reporter = ignore,
    cancel: threading.Event | None = None,
) -> VerifyReport:
    """Run both sides and compare; raises :class:`VerifyError` when it cannot start. The
    report is also saved as ``.liftshift/verify/report.json`` (what the app's Model step
    shows), with its text table under ``"text"``."""
    report = _verify(project_dir, settings, options, reporter=reporter, cancel=cancel)
    document = report.to_dict() | {"text": report.text_lines()}
    path = last_report_path(Path(report.project))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(document, indent=2) + "\n")
    return report


def last_report_path(project_dir: Path) -> Path:
    return Path(project_dir) / LOCAL_DIRNAME / VERIFY_DIR / "report.json"


def load_last_report(project_dir: Path) -> dict[str, Any] | None:
    """The last saved verify report of a project, or None (never verified, or unreadable)."""
    try:
        data = json.loads(last_report_path(project_dir).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _verify(
    project_dir: Path,
    settings: Settings | None,
    options: VerifyOptions | None,
    *,
    reporter: Reporter,
    cancel: threading.Event | None,
) -> VerifyReport:
    from liftshift.trainer import service
    from liftshift.trainer.backends.local import EmptyChannel, LocalBackend
    from liftshift.trainer.localenv import local_path

    options = options or VerifyOptions()
    project = Path(project_dir).resolve()
    try:
        plan = load_plan(project)
    except PlanError as exc:
        raise VerifyError(str(exc)) from exc
    settings = settings_for_plan(plan, settings or Settings.from_env(project), target="local")
    package_dir = project / plan.code.package.replace(".", "/")
    if not (package_dir / "__init__.py").is_file():
        raise VerifyError(
            f"{project}: not migrated yet (no {plan.code.package}/ package); run "
            f"`liftshift migrate {project} --apply` first"
        )
    work = _fresh_work_dir(settings)
    report = VerifyReport(str(project), "not verified", rtol=options.rtol, work_dir=str(work))
    original_src = options.original.resolve() if options.original else None
    if original_src is None:
        original_src = restore_original(project, work / "original-src")
    reporter(StepProgress("verify", f"original: {original_src}"))
    shim_dir = work / "shim"
    shim_dir.mkdir()
    shutil.copyfile(SHIM, shim_dir / "sitecustomize.py")
    common = _common_env(work, shim_dir, options.seed)

    # the migrated side: a real local Vertex job, started first so the two run side by side
    channel_folders = {
        c.name: local_path(settings, channel_dir_uri(channel_destination(c, plan)))
        for c in plan.data.channels
    }
    migrated_env = common | {
        "LIFTSHIFT_VERIFY_WATCH": json.dumps({k: str(v) for k, v in channel_folders.items()}),
        "LIFTSHIFT_VERIFY_TRACE": str(work / "migrated-trace.jsonl"),
    }
    backend = LocalBackend(settings, extra_env=migrated_env)
    display = f"{plan.training.display_name or project.name}-verify"
    try:
        started = service.start_training(
            plan,
            settings,
            TrainOverrides(display_name=display),
            reporter=reporter,
            backend=backend,
        )
    except EmptyChannel as exc:
        report.reason = str(exc)
        return report
    except JobSpecError as exc:
        raise VerifyError(str(exc)) from exc
    python = backend.prepare(started.spec, started.package.path)  # the job's own (cached)

    # the original side, under the SageMaker stand-in, while the migrated job runs
    job = sagemaker.TrainingJobInput(
        entry_point=_entry_in_source(plan),
        source_dir=original_src / plan.code.source_dir,
        hyperparameters=dict(plan.training.hyperparameters),
        channels=tuple(
            sagemaker.ChannelData(c.name, _channel_files(channel_folders[c.name], c.destination))
            for c in plan.data.channels
        ),
        framework=plan.training.framework,
        instance_type=plan.training.sagemaker_instance_type or "ml.m5.xlarge",
        job_name=f"{project.name}-verify",
    )
    try:
        prepared = sagemaker.prepare(job, work / "opt-ml")
    except ValueError as exc:  # a project path no /opt/ml literal can be redirected to
        backend.cancel(started.handle.job_id)
        raise VerifyError(str(exc)) from exc
    report.notes += prepared.notes
    original = _run_original(
        prepared, python, common=common, work=work, options=options, reporter=reporter
    )
    report.original = original
    predictor = None
    if original.ok and compare.list_files(prepared.model_dir):
        # load the original's model while the migrated trainer still runs
        predictor = _Predictor(python, _predict_env(work), options.timeout)
        predictor.ask(_original_request(plan, prepared, original_src, options))
    try:
        return _finish(
            report,
            plan,
            started=started,
            backend=backend,
            prepared=prepared,
            original_src=original_src,
            project=project,
            options=options,
            predictor=predictor,
            reporter=reporter,
            cancel=cancel,
            work=work,
        )
    finally:
        if predictor is not None:
            predictor.close()


def _finish(
    report: VerifyReport,
    plan: Plan,
    *,
    started: Any,
    backend: Any,
    prepared: sagemaker.PreparedRun,
    original_src: Path,
    project: Path,
    options: VerifyOptions,
    predictor: _Predictor | None,
    reporter: Reporter,
    cancel: threading.Event | None,
    work: Path,
) -> VerifyReport:
    """Wait for the migrated job, then compare both sides and explain."""
    from liftshift.trainer import service

    original = report.original
    assert original is not None
    finished = service.finish_training(
        started, backend.settings, reporter=reporter, backend=backend, register=False, stop=cancel
    )
    job_id = started.handle.job_id
    if cancel is not None and cancel.is_set():
        backend.cancel(job_id)
        report.reason = "cancelled before the migrated trainer finished"
        return report
    record = backend.job_record(job_id)
    log_path = backend.log_path(job_id)
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    migrated = SideRun(
        "migrated",
        f"vertex local job {job_id}",
        exit_code=record.exit_code,
        last_error=last_error_line(log) if record.exit_code else "",
        seconds=(record.ended - record.started) if record.ended else 0.0,
        log_path=str(log_path),
        model_dir=record.model_dir,
        channels_read=_trace(work / "migrated-trace.jsonl"),
        stray_files=backend.stray_outputs(job_id),
    )
    report.migrated = migrated
    if finished.status is not None and finished.status.error and migrated.exit_code == 0:
        migrated.last_error = finished.status.error.splitlines()[0]
    _compare(
        report,
        plan,
        prepared=prepared,
        original=original,
        migrated=migrated,
        original_src=original_src,
        project=project,
        predictor=predictor,
        options=options,
    )
    report.diagnosis = diagnose.explain(
        report,
        plan=plan,
        project=project,
        original_log=Path(original.log_path).read_text(encoding="utf-8", errors="replace"),
        migrated_log=log,
    )
    if report.verdict == "differ" and plan.training.framework in NOT_DETERMINISTIC:
        report.notes.append(
            f"{plan.training.framework} on CPU is seeded on both sides, but some kernels are not "
            "bit-deterministic; small differences can be noise (see --rtol)"
        )
    return report


def _compare(
    report: VerifyReport,
    plan: Plan,
    *,
    prepared: sagemaker.PreparedRun,
    original: SideRun,
    migrated: SideRun,
    original_src: Path,
    project: Path,
    predictor: _Predictor | None,
    options: VerifyOptions,
) -> None:
    if not original.ok:
        report.verdict = "not verified"
        report.reason = "the original does not run under the local SageMaker runtime" + (
            f": {original.last_error}" if original.last_error else ""
        )
        if _missing_module(original.last_error):
            report.reason += " (a module it imports is not installed here)"
        elif re.search(r"cuda|gpu|nvidia", original.last_error, re.IGNORECASE):
            report.reason += " (it needs a GPU, which this machine does not give it)"
        return
    report.artifacts = compare.compare_artifacts(prepared.model_dir, Path(migrated.model_dir))
    if report.artifacts.note:
        report.notes.append(report.artifacts.note)
    launchers = [original_src / path for path in plan.code.launchers]
    definitions = [d for launcher in launchers for d in compare.metric_definitions(launcher)]
    report.metrics_source = (
        "the launcher's metric_definitions" if definitions else "name: number lines both print"
    )
    original_log = Path(original.log_path).read_text(encoding="utf-8", errors="replace")
    migrated_log = Path(migrated.log_path).read_text(encoding="utf-8", errors="replace")
    original_metrics = compare.extract_metrics(original_log, definitions)
    migrated_metrics = compare.extract_metrics(migrated_log, definitions) if migrated.ok else {}
    if not definitions and migrated.ok:  # printed lines: only names both sides print
        one_sided = sorted(set(original_metrics) ^ set(migrated_metrics))
        if one_sided:
            report.notes.append(f"printed by one side only, not compared: {', '.join(one_sided)}")
        common = set(original_metrics) & set(migrated_metrics)
        original_metrics = {k: v for k, v in original_metrics.items() if k in common}
        migrated_metrics = {k: v for k, v in migrated_metrics.items() if k in common}
    report.metrics = compare.compare_metrics(original_metrics, migrated_metrics, options.rtol)
    if not report.artifacts.original:
        report.verdict = "not verified"
        report.reason = "the original wrote no model file under SM_MODEL_DIR; nothing to compare"
        if original.stray_files:
            report.reason += f" (it wrote {', '.join(original.stray_files[:3])})"
        return
    if not migrated.ok:
        report.verdict, report.reason = "differ", "the migrated trainer failed"
        return
    if not report.artifacts.migrated:
        report.verdict, report.reason = "differ", "the migrated trainer wrote no model file"
        return
    report.predictions = prediction = _predictions(
        plan, project, migrated=migrated, predictor=predictor, options=options
    )
    if prediction.compared:
        report.notes.append(f"predictions compared on {prediction.instances_from}")
    problems = []
    if not report.artifacts.ok:
        problems.append("model files differ")
    if any(not row.ok for row in report.metrics):
        problems.append("metrics differ")
    if prediction.compared and not prediction.ok:
        problems.append("predictions differ")
    if problems:
        report.verdict, report.reason = "differ", "; ".join(problems)
    elif not prediction.compared and report.artifacts.differing:
        report.verdict = "not verified"
        report.reason = (
            f"predictions could not be compared ({prediction.reason}) and the model bytes differ"
        )
    else:
        report.verdict, report.reason = "match", ""


def _original_request(
    plan: Plan, prepared: sagemaker.PreparedRun, original_src: Path, options: VerifyOptions
) -> dict[str, Any]:
    from liftshift.trainer.predict import PredictionError, project_instances

    try:
        instances = project_instances(original_src)
    except PredictionError:
        instances = None
    entry = prepared.code_dir / _entry_in_source(plan)
    return {
        "model_dir": str(prepared.model_dir),
        "handlers": str(entry) if _defines(entry, "model_fn") else None,
        "instances": instances,
        "instances_from": "sample_instances.json" if instances is not None else "",
        "seed": options.seed,
        "synthetic": 4,
    }


def _predictions(
    plan: Plan,
    project: Path,
    *,
    migrated: SideRun,
    predictor: _Predictor | None,
    options: VerifyOptions,
) -> compare.PredictionParity:
    if predictor is None:
        return compare.PredictionParity(False, reason="the original left no model to load")
    module_file = project / (plan.code.module.replace(".", "/") + ".py")
    handlers = str(module_file) if _defines(module_file, "model_fn") else None
    predictor.ask({"model_dir": migrated.model_dir, "handlers": handlers, "seed": options.seed})
    answers = predictor.answers()
    first = answers[0]
    if "error" in first:
        return compare.PredictionParity(False, reason=f"original model: {first['error']}")
    parity = compare.PredictionParity(
        True,
        loader_original=first["loader"],
        instances=len(first["instances"]),
        instances_from=first["instances_from"],
    )
    second = answers[1] if len(answers) > 1 else {"error": "no answer"}
    if "error" in second:
        parity.compared, parity.reason = False, f"migrated model: {second['error']}"
        return parity
    parity.loader_migrated = second["loader"]
    diff, agree, ok = compare.compare_predictions(
        first["predictions"], second["predictions"], options.rtol
    )
    parity.max_abs_diff, parity.labels_agree, parity.ok = diff, agree, ok
    return parity


class _Predictor:
    """The prediction process (``_predict.py``) in the trainer's Python: started as soon as
    the original's model exists, so it loads while the migrated trainer still runs."""

    def __init__(self, python: Path, env: dict[str, str], timeout: float | None) -> None:
        self.timeout = timeout
        self.asked = 0
        self.process = subprocess.Popen(
            [str(python), str(PREDICT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def ask(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:  # it died; answers() reports why
            return
        self.asked += 1

    def answers(self) -> list[dict[str, Any]]:
        """Every answer, in order (an error entry when the process failed before one)."""
        try:
            out, err = self.process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            err += f"\nno answer within {self.timeout:g} s"
        found = [
            json.loads(line[len(ANSWER) :]) for line in out.splitlines() if line.startswith(ANSWER)
        ]
        if len(found) < max(self.asked, 1):
            tail = last_error_line(err) or f"exit {self.process.returncode}"
            found.append({"error": f"the prediction process failed: {tail}"})
        return found

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def _run_original(
    prepared: sagemaker.PreparedRun,
    python: Path,
    *,
    common: dict[str, str],
    work: Path,
    options: VerifyOptions,
    reporter: Reporter,
) -> SideRun:
    watch = prepared.channel_dirs
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AIP_", "SAGEMAKER_"))}
    env |= common | prepared.env
    env |= {
        "LIFTSHIFT_VERIFY_WATCH": json.dumps(watch),
        "LIFTSHIFT_VERIFY_TRACE": str(work / "original-trace.jsonl"),
        "LIFTSHIFT_VERIFY_GUARD": "1",
    }
    before = set(compare.list_files(prepared.code_dir))
    log_path = work / "original.log"
    reporter(
        StepProgress("verify", f"running the original: python {' '.join(prepared.command_args)}")
    )
    started = time.perf_counter()
    with log_path.open("wb") as log:
        try:
            completed = subprocess.run(
                [str(python), *prepared.command_args],
                cwd=prepared.code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=options.timeout,
                check=False,
            )
            code: int | None = completed.returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.perf_counter() - started
    text = log_path.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        reporter(StepProgress("original", line))
    after = compare.list_files(prepared.code_dir)
    error = "" if code == 0 else last_error_line(text)
    if code is None:
        error = f"did not finish within {options.timeout:g} s"
    return SideRun(
        "original",
        "sagemaker toolkit stand-in (local)",
        exit_code=code,
        last_error=error,
        seconds=seconds,
        log_path=str(log_path),
        model_dir=str(prepared.model_dir),
        channels_read=_trace(work / "original-trace.jsonl"),
        stray_files=sorted(f"code/{path}" for path in set(after) - before),
    )


def restore_original(project: Path, dest: Path) -> Path:
    """The project as it was before ``migrate --apply``: a copy of the migrated tree with
    every apply's backup put back, newest first (files they changed restored, files they
    created removed)."""
    from liftshift.migrator.apply import COPY_IGNORE, applies

    records = applies(project)
    if not records:
        raise VerifyError(
            f"{project}: no `liftshift migrate --apply` recorded in .liftshift/backups, so the "
            "original is unknown; pass --original DIR (the SageMaker project before migration)"
        )
    shutil.copytree(project, dest, ignore=COPY_IGNORE)
    for record in records:
        for entry in record.entries:
            target = dest / entry.path
            if entry.existed:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(record.backup_dir / "files" / entry.path, target)
            else:
                target.unlink(missing_ok=True)
        for folder in record.created_dirs:
            shutil.rmtree(dest / folder, ignore_errors=True)
    return dest


def last_error_line(log: str) -> str:
    """The line that says why a Python process failed: the exception line of its last
    traceback, an argparse ``error:`` line, else the last non-empty line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if _ERROR_LINE.match(line) or ": error: " in line:
            return line
    return lines[-1] if lines else ""


def _missing_module(error: str) -> bool:
    return "No module named" in error or "ModuleNotFoundError" in error


def _fresh_work_dir(settings: Settings) -> Path:
    root = settings.state_dir / VERIFY_DIR
    if root.is_dir():
        for old in root.iterdir():
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    work = root / stamp
    for name in ("tmp", "keras", "mpl"):
        (work / name).mkdir(parents=True)
    return work


def _common_env(work: Path, shim_dir: Path, seed: int) -> dict[str, str]:
    """What both sides share: seeds, the shim first on the path, temp and cache folders
    inside the verify folder (so nothing is written outside the project)."""
    paths = [str(shim_dir)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return _predict_env(work) | {
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONHASHSEED": str(seed),
        "LIFTSHIFT_VERIFY_SEED": str(seed),
        "TF_DETERMINISTIC_OPS": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _predict_env(work: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AIP_"))}
    return base | {
        "TMPDIR": str(work / "tmp"),
        "KERAS_HOME": str(work / "keras"),
        "MPLCONFIGDIR": str(work / "mpl"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ beside the project's own files
    }


def _entry_in_source(plan: Plan) -> str:
    entry = Path(plan.code.entry_point)
    source = Path(plan.code.source_dir or ".")
    if str(source) not in ("", ".") and entry.is_relative_to(source):
        entry = entry.relative_to(source)
    return entry.as_posix()


def _channel_files(folder: Path, destination: str) -> tuple[tuple[str, Path], ...]:
    """The objects SageMaker would put in the channel: everything under the channel's
    prefix; for a URI naming one object (``…/train.csv``), the objects starting with it."""
    files = compare.list_files(folder)
    name = destination.rstrip("/").rsplit("/", 1)[-1]
    if channel_dir_uri(destination) != destination.rstrip("/"):
        files = {path: size for path, size in files.items() if path.startswith(name)}
    return tuple((path, folder / path) for path in files)


def _trace(path: Path) -> list[str]:
    if not path.is_file():
        return []
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            names.append(json.loads(line)["channel"])
        except (json.JSONDecodeError, KeyError):
            continue
    return sorted(set(names))


def _defines(path: Path, function: str) -> bool:
    try:
        return f"def {function}(" in path.read_text(encoding="utf-8")
    except OSError:
        return False


__all__ = [
    "VerifyError",
    "VerifyOptions",
    "load_last_report",
    "restore_original",
    "verify_project",
]
