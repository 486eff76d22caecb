"""``liftshift verify``: run the original under the local SageMaker runtime and the migrated
package as a local Vertex job, on the same data, hyperparameters, Python and seeds, then
compare what they produced and say in plain words why they differ.

Everything it writes stays in ``<project>/.liftshift/verify/<stamp>/`` (the previous verify
folder is removed first): the restored original, the ``/opt/ml`` stand-in, the shim, logs,
temp files. The migrated side is a normal local job (``.liftshift/jobs/…-verify-…``).
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.plan import Plan, PlanError, load_plan, settings_for_plan
from liftshift.foundation.secrets import placeholder, referenced_variable
from liftshift.foundation.settings import LOCAL_DIRNAME, Settings
from liftshift.foundation.storage.uri import channel_dir_uri
from liftshift.trainer.jobs import JobSpecError, StepProgress, TrainOverrides, channel_destination
from liftshift.verify import compare, diagnose, sagemaker, stability
from liftshift.verify.environment import helper_env, install_shim, trainer_env
from liftshift.verify.original import (
    channel_files,
    last_error_line,
    original_entry,
    read_trace,
    restore_original,
    run_original,
)
from liftshift.verify.predictions import (
    Predictor,
    compare_models,
    entry_imports,
    original_request,
)
from liftshift.verify.report import SideRun, VerifyError, VerifyReport

VERIFY_DIR = "verify"
NOT_DETERMINISTIC = {"tensorflow", "pytorch", "huggingface", "mxnet"}


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
    from liftshift.trainer.localenv import EnvironmentSetupError, local_path

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
    common = trainer_env(work, install_shim(work), options.seed)

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
    except (JobSpecError, EnvironmentSetupError) as exc:
        raise VerifyError(str(exc)) from exc
    python = backend.prepare(started.spec, started.package.path)  # the job's own (cached)

    # the original side, under the SageMaker stand-in, while the migrated job runs
    source_dir, entry_point = original_entry(plan, original_src)
    job = sagemaker.TrainingJobInput(
        entry_point=entry_point,
        source_dir=source_dir,
        hyperparameters=_resolved(plan.training.hyperparameters),
        channels=tuple(
            sagemaker.ChannelData(c.name, channel_files(channel_folders[c.name], c.destination))
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
    # the prediction helper imports the framework while both trainers run
    predictor: Predictor | None = Predictor(python, helper_env(work), options.timeout)
    predictor.warm(entry_imports(prepared.entry))
    try:
        original = run_original(
            prepared, python, common=common, work=work, timeout=options.timeout, reporter=reporter
        )
    except BaseException:
        predictor.close()
        raise
    report.original = original

    def run_again() -> tuple[sagemaker.PreparedRun, SideRun]:
        """The original once more, same data, hyperparameters, Python and seeds."""
        again = sagemaker.prepare(job, work / "opt-ml-again")
        side = run_original(
            again,
            python,
            common=common,
            work=work,
            timeout=options.timeout,
            reporter=reporter,
            label="original-again",
        )
        return again, side

    if original.ok and compare.list_files(prepared.model_dir):
        # load the original's model while the migrated trainer still runs
        predictor.ask(original_request(prepared, original_src, options.seed, job.hyperparameters))
    else:
        predictor.close()
        predictor = None
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
            run_again=run_again,
            python=python,
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
    predictor: Predictor | None,
    reporter: Reporter,
    cancel: threading.Event | None,
    work: Path,
    run_again: Callable[[], tuple[sagemaker.PreparedRun, SideRun]],
    python: Path,
) -> VerifyReport:
    """Wait for the migrated job, then compare both sides (running the original once more
    when they differ, to tell its own noise from the migration's) and explain."""
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
        channels_read=read_trace(work / "migrated-trace.jsonl"),
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
    if _sides_differ(report):
        _judge_on_what_is_stable(
            report,
            plan,
            prepared=prepared,
            original_src=original_src,
            run_again=run_again,
            python=python,
            options=options,
            reporter=reporter,
            work=work,
        )
    report.diagnosis = diagnose.explain(
        report,
        plan=plan,
        project=project,
        original_log=Path(original.log_path).read_text(encoding="utf-8", errors="replace"),
        migrated_log=log,
    )
    if (
        report.verdict == "differ"
        and report.stability is None
        and plan.training.framework in NOT_DETERMINISTIC
    ):
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
    predictor: Predictor | None,
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
    definitions = _metric_definitions(plan, original_src)
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
    report.predictions = prediction = compare_models(
        plan, project, migrated=migrated, predictor=predictor, seed=options.seed, rtol=options.rtol
    )
    if prediction.compared:
        report.notes.append(f"predictions compared on {prediction.instances_from}")
    _judge(report)


def _judge(report: VerifyReport) -> None:
    """The verdict of two sides that both ran and wrote a model, from what is stable."""
    assert report.artifacts is not None and report.predictions is not None
    prediction = report.predictions
    problems = []
    if not report.artifacts.ok:
        problems.append("model files differ")
    if report.stability is not None and report.artifacts.stable_but_differing():
        problems.append("model bytes differ though the original reproduces its own")
    if any(not row.ok and row.stable for row in report.metrics):
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
        if report.artifacts.varying:
            report.reason += " (they vary between runs of the original too)"
    else:
        report.verdict, report.reason = "match", ""


def _metric_definitions(plan: Plan, original_src: Path) -> list[tuple[str, str]]:
    """The ``metric_definitions`` regexes of the plan's launchers, in the original's copy."""
    launchers = [original_src / path for path in plan.code.launchers]
    return [d for launcher in launchers for d in compare.metric_definitions(launcher)]


def _sides_differ(report: VerifyReport) -> bool:
    """Both sides ran and wrote a model, and something differs (bytes, files, a metric,
    predictions): worth a second run of the original to see whether it differs from itself."""
    original, migrated, parity = report.original, report.migrated, report.artifacts
    if not (original and migrated and original.ok and migrated.ok and parity):
        return False
    if not (parity.original and parity.migrated) or report.predictions is None:
        return False
    prediction = report.predictions
    return bool(
        parity.differing
        or parity.only_original
        or parity.only_migrated
        or any(not row.ok for row in report.metrics)
        or (prediction.compared and not prediction.ok)
    )


def _judge_on_what_is_stable(
    report: VerifyReport,
    plan: Plan,
    *,
    prepared: sagemaker.PreparedRun,
    original_src: Path,
    run_again: Callable[[], tuple[sagemaker.PreparedRun, SideRun]],
    python: Path,
    options: VerifyOptions,
    reporter: Reporter,
    work: Path,
) -> None:
    """Run the original once more; what differs between its two runs is its own noise: the
    verdict is judged on the rest, and the report names what varied."""
    reporter(
        StepProgress(
            "verify",
            "the two sides differ: running the original once more, to tell its own "
            "variation from the migration's",
        )
    )
    again_prepared, again = run_again()
    if not again.ok:
        report.notes.append(
            "a second run of the original failed"
            + (f": {again.last_error}" if again.last_error else "")
            + "; whether the original is deterministic is unknown"
        )
        return
    rules = _metric_definitions(plan, original_src)
    assert report.original is not None
    metrics = tuple(
        compare.extract_metrics(Path(log).read_text(encoding="utf-8", errors="replace"), rules)
        for log in (report.original.log_path, again.log_path)
    )
    prediction = report.predictions
    first_rows = prediction.original_rows if prediction and prediction.compared else None
    second_rows = None
    if first_rows is not None and compare.list_files(again_prepared.model_dir):
        predictor = Predictor(python, helper_env(work), options.timeout)
        try:
            hyperparameters = _resolved(plan.training.hyperparameters)
            predictor.ask(
                original_request(again_prepared, original_src, options.seed, hyperparameters)
            )
            answer = predictor.answers()[0]
        finally:
            predictor.close()
        second_rows = answer.get("predictions")
    measured = stability.measure(
        compare.compare_artifacts(prepared.model_dir, again_prepared.model_dir),
        (metrics[0], metrics[1]),
        (first_rows, second_rows),
        options.rtol,
    )
    report.stability = measured
    if measured.deterministic:
        report.notes.append(
            "a second run of the original reproduced its model files and metrics"
            + (" and predictions" if measured.predictions_compared else "")
            + " exactly: the difference comes from the migration, not from chance"
        )
        _judge(report)
        return
    assert report.artifacts is not None and prediction is not None
    parity = report.artifacts
    names = {*measured.artifacts, *(parity.counterpart(path) for path in measured.artifacts)}
    parity.varying = sorted(p for p in names if p in parity.original or p in parity.migrated)
    for row in report.metrics:
        row.stable = row.name not in measured.metrics
    if measured.predictions and prediction.compared and prediction.labels_agree is not None:
        prediction.judged_on = "labels"
        prediction.ok = prediction.labels_agree == prediction.instances
    report.notes.append(
        "the original is not deterministic even with seeding: two runs of it differ in "
        f"{measured.describe()}; parity is judged on what is stable"
        + (" (predictions on their labels)" if prediction.judged_on == "labels" else "")
        + ", and no byte identity is claimed for what varies"
    )
    _judge(report)


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


__all__ = ["VerifyError", "VerifyOptions", "load_last_report", "verify_project"]


def _resolved(hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """The values the original gets. A secret's ``{env = NAME}`` reference becomes the
    ``${NAME}`` placeholder, never its value: the SageMaker stand-in writes hyperparameters to
    files under ``.liftshift/``, where no secret may be written."""
    resolved = {}
    for key, value in hyperparameters.items():
        variable = referenced_variable(value)
        resolved[key] = placeholder(variable) if variable else value
    return resolved
