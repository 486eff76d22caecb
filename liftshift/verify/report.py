"""What ``liftshift verify`` found: one dataclass for the CLI, ``--json``, ``run`` and the app.

The JSON schema is documented in docs/verify-json.md (``schema_version`` below); the text
rendering is the parity table the CLI prints and the app's Model step shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from liftshift.verify.compare import ArtifactParity, MetricParity, PredictionParity
from liftshift.verify.stability import Stability

VERIFY_SCHEMA_VERSION = 1
Verdict = Literal["match", "differ", "not verified"]


class VerifyError(RuntimeError):
    """Verify cannot start (not migrated, no original found); the message says what to do."""


@dataclass
class SideRun:
    """One trainer's run: how it ended and what it left."""

    side: Literal["original", "migrated"]
    runtime: str
    """``sagemaker (local toolkit stand-in)`` or ``vertex local job <id>``."""
    exit_code: int | None = None
    last_error: str = ""
    seconds: float = 0.0
    log_path: str = ""
    model_dir: str = ""
    channels_read: list[str] = field(default_factory=list)
    stray_files: list[str] = field(default_factory=list)
    """Files written outside the model folder (working folder), relative paths."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "runtime": self.runtime,
            "exit_code": self.exit_code,
            "ok": self.ok,
            "last_error": self.last_error,
            "seconds": round(self.seconds, 3),
            "log": self.log_path,
            "model_dir": self.model_dir,
            "channels_read": self.channels_read,
            "stray_files": self.stray_files,
        }


@dataclass
class VerifyReport:
    project: str
    verdict: Verdict
    reason: str = ""
    original: SideRun | None = None
    migrated: SideRun | None = None
    artifacts: ArtifactParity | None = None
    metrics_source: str = ""
    metrics: list[MetricParity] = field(default_factory=list)
    predictions: PredictionParity | None = None
    diagnosis: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rtol: float = 1e-6
    work_dir: str = ""
    stability: Stability | None = None
    """What a second run of the original did not reproduce; None when the sides agreed at
    once (no second run)."""

    @property
    def ok(self) -> bool:
        return self.verdict == "match"

    def compared(self) -> list[str]:
        """What was actually compared, for a one-line verdict that claims no more than that
        (a trainer printing no metrics, or a model verify cannot load, is matched on less)."""
        what = ["model files"] if self.artifacts else []
        if self.metrics:
            what.append("metrics")
        if self.predictions and self.predictions.compared:
            what.append("predictions")
        return what

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": VERIFY_SCHEMA_VERSION,
            "project": self.project,
            "verdict": self.verdict,
            "ok": self.ok,
            "reason": self.reason,
            "rtol": self.rtol,
            "original": self.original.to_dict() if self.original else None,
            "migrated": self.migrated.to_dict() if self.migrated else None,
            "artifacts": self.artifacts.to_dict() if self.artifacts else None,
            "metrics": {
                "source": self.metrics_source,
                "rows": [row.to_dict() for row in self.metrics],
            },
            "predictions": self.predictions.to_dict() if self.predictions else None,
            "stability": self.stability.to_dict() if self.stability else None,
            "diagnosis": self.diagnosis,
            "notes": self.notes,
            "work_dir": self.work_dir,
        }

    def table(self) -> list[tuple[str, str, str, str]]:
        """(what, original, migrated, verdict) rows of the parity table."""
        rows: list[tuple[str, str, str, str]] = []
        if self.original and self.migrated:
            rows.append(
                (
                    "exit status",
                    _exit(self.original),
                    _exit(self.migrated),
                    _mark(self.original.ok and self.migrated.ok),
                )
            )
            read = (
                ", ".join(self.original.channels_read) or "none seen",
                ", ".join(self.migrated.channels_read) or "none seen",
            )
            rows.append(
                (
                    "channels read",
                    *read,
                    _mark(read[0] == read[1] or not self.original.channels_read),
                )
            )
        if self.artifacts is not None:
            parity = self.artifacts
            files = f"{len(parity.original)} file(s)", f"{len(parity.migrated)} file(s)"
            rows.append(("model files", *files, _mark(parity.ok)))
            if parity.ok:
                same = f"{len(parity.identical)}/{len(parity.migrated)} byte-identical"
                varying = [path for path in parity.migrated if path in parity.varying]
                if varying:
                    same += f" ({len(varying)} vary between runs of the original)"
                if parity.random_by_design:
                    names = ", ".join(parity.random_by_design)
                    same += f"; {names}: a random id by design, present on both sides"
                rows.append(("model bytes", "", same, "info"))
        for metric in self.metrics:
            rows.append(
                (
                    f"metric {metric.name}",
                    _number(metric.original),
                    _number(metric.migrated),
                    _mark(metric.ok) if metric.stable else "varies",
                )
            )
        prediction = self.predictions
        if prediction is not None:
            if prediction.compared:
                diff = (
                    f"max |diff| {prediction.max_abs_diff:.3g}"
                    if prediction.max_abs_diff is not None
                    else ""
                )
                agree = f"labels {prediction.labels_agree}/{prediction.instances}"
                if prediction.judged_on == "labels":
                    agree += " (judged on labels)"
                rows.append(
                    (
                        f"predictions ({prediction.instances})",
                        prediction.loader_original,
                        f"{diff}, {agree}".strip(", "),
                        _mark(prediction.ok),
                    )
                )
            else:
                rows.append(("predictions", "", prediction.reason, "not compared"))
        return rows

    def text_lines(self) -> list[str]:
        rows = [("", "original (SageMaker)", "migrated (Vertex)", ""), *self.table()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
            for row in rows
        ]
        lines = [line.rstrip() for line in lines]
        verdict = {"match": "MATCH", "differ": "DIFFER", "not verified": "NOT VERIFIED"}
        lines.append(
            f"verdict: {verdict[self.verdict]}" + (f": {self.reason}" if self.reason else "")
        )
        lines += [f"  - {line}" for line in self.diagnosis]
        lines += [f"note: {line}" for line in self.notes]
        return lines


def _exit(side: SideRun) -> str:
    if side.exit_code == 0:
        return "exit 0"
    code = "not run" if side.exit_code is None else f"exit {side.exit_code}"
    return f"{code}: {side.last_error}" if side.last_error else code


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def _mark(ok: bool) -> str:
    return "ok" if ok else "DIFFERS"
