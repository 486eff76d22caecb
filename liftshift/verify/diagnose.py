"""Plain-words reasons for a difference, from what verify saw: the exit, the logs, the files
each side wrote, the channels each side opened, and the migrated package's source."""

from __future__ import annotations

import re
from pathlib import Path

from liftshift.foundation.plan import Plan
from liftshift.verify.report import VerifyReport

_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.+)$")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")
_ZERO_READ = re.compile(
    r"\b0 (rows?|batches|batch|samples|examples|records|files|images|lines)\b", re.IGNORECASE
)
_MAX_SHOWN = 5


def explain(
    report: VerifyReport, *, plan: Plan, project: Path, original_log: str, migrated_log: str
) -> list[str]:
    original, migrated = report.original, report.migrated
    if original is None or migrated is None or not original.ok or report.verdict == "match":
        return []
    reasons: list[str] = []
    module_file = plan.code.module.replace(".", "/") + ".py"
    if not migrated.ok:
        error = migrated.last_error
        reasons.append(f"the migrated trainer failed: {error or 'no error line in its log'}")
        unrecognized = _UNRECOGNIZED.search(error)
        if unrecognized:
            flags = [word for word in unrecognized.group(1).split() if word.startswith("-")]
            for flag in flags:
                reasons.append(f"flag {flag} is not parsed by {module_file}")
        missing = _NO_MODULE.search(error)
        if missing:
            package = missing.group(1).split(".")[0]
            reasons.append(
                f"the trainer's environment has no `{package}`: add it to requirements.txt "
                "(or install_requires in setup.py) and rerun"
            )
    elif report.artifacts is not None and not report.artifacts.migrated:
        where = migrated.stray_files[:_MAX_SHOWN]
        line = "the migrated trainer wrote no model file under AIP_MODEL_DIR"
        if where:
            folder = Path(migrated.log_path).parent
            line += f"; it wrote {', '.join(where)} (in the job folder {folder})"
        else:
            line += "; no file it wrote could be found in its working folder either"
        reasons.append(line)
    for channel in sorted(set(original.channels_read) - set(migrated.channels_read)):
        line = f"the migrated trainer never read the `{channel}` channel"
        flag = next((c.argument for c in plan.data.channels if c.name == channel), "")
        source = _package_source(project, plan.code.package)
        if flag and f'"{flag}"' not in source and f"'{flag}'" not in source:
            line += f" (flag {flag} is not parsed by {module_file})"
        reasons.append(line)
    zero = _ZERO_READ.search(migrated_log)
    if zero and not _ZERO_READ.search(original_log):
        reasons.append(f"the migrated trainer read nothing: its log says “{zero.group(0)}”")
    if report.artifacts is not None and report.artifacts.migrated and not report.artifacts.ok:
        varying = set(report.artifacts.varying)
        only_o = [path for path in report.artifacts.only_original if path not in varying]
        only_m = [path for path in report.artifacts.only_migrated if path not in varying]
        if only_o:
            reasons.append(f"model files only the original wrote: {', '.join(only_o[:_MAX_SHOWN])}")
        if only_m:
            reasons.append(
                f"model files only the migrated trainer wrote: {', '.join(only_m[:_MAX_SHOWN])}"
            )
    if report.stability is not None and report.artifacts is not None:
        stable = report.artifacts.stable_but_differing()
        if stable:
            reasons.append(
                f"{', '.join(stable[:_MAX_SHOWN])}: a second run of the original wrote the same "
                "bytes again, the migrated trainer's differ: it trained a different model (check "
                "the hyperparameters and data each side received)"
            )
    for metric in report.metrics:
        if metric.ok or not metric.stable:
            continue
        if metric.original is None or metric.migrated is None:
            side = "original" if metric.migrated is None else "migrated trainer"
            reasons.append(f"metric {metric.name} is printed by the {side} only")
        else:
            reasons.append(
                f"metric {metric.name}: original {metric.original:g}, migrated {metric.migrated:g}"
            )
    prediction = report.predictions
    if prediction is not None and prediction.compared and not prediction.ok:
        diff = (
            "" if prediction.max_abs_diff is None else f"max |diff| {prediction.max_abs_diff:.3g}, "
        )
        reasons.append(
            f"predictions differ on {prediction.instances_from}: {diff}labels agree on "
            f"{prediction.labels_agree}/{prediction.instances}"
        )
    return reasons


def _package_source(project: Path, package: str) -> str:
    folder = project / package.replace(".", "/")
    parts = []
    for path in sorted(folder.rglob("*.py")):
        try:
            parts.append(path.read_text(encoding="utf-8"))
        except OSError:
            continue
    return "\n".join(parts)
