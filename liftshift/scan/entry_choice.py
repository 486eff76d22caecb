"""Which script is the trainer, and why: the entry point a project without a usable launcher gets.

A launcher that names a script in the project decides (it is what SageMaker ran). Without one,
the candidates are the scripts the scan found (they read ``SM_*``/``/opt/ml``, or run as a
program and import a module that does) and the choice goes by evidence a reader would use: a
``__main__`` guard, argparse, a model save, a write to ``SM_MODEL_DIR``/``/opt/ml/model`` make a
trainer; a script that only reads data, serves (``model_fn``), runs as a Processing job
(``/opt/ml/processing``), is imported by another candidate, or is named like a step around
training (``preprocess``, ``evaluate``, ``inference``, ``test_…``) does not. The reason is kept
so the scan and the plan can say it. Jupyter's ``.ipynb_checkpoints`` copies are never scanned.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from liftshift.scan.assemble import resolve_entry_point
from liftshift.scan.project import EntryPoint, Launcher, ProjectScan

TRAINER_NAMES = re.compile(r"(^|[_-])(train|training|trainer|task|main|fit|entry)", re.IGNORECASE)
AROUND_TRAINING = re.compile(
    r"(^|[_-])(pre_?process|preprocessing|prepare|prep|process|processing|evaluat|eval|"
    r"inference|serve|serving|predict|deploy|test|plot|download|util|utils|helpers?|"
    r"create_dataset|conditional|postprocess)",
    re.IGNORECASE,
)
MODEL_DIR_READS = {"SM_MODEL_DIR"}


@dataclass(frozen=True)
class EntryChoice:
    """The chosen entry point (None when there is no candidate) and the reason in words."""

    entry: EntryPoint | None
    reason: str
    launcher: Launcher | None = None
    scores: dict[str, int] = field(default_factory=dict)


def choose_entry_point(scan: ProjectScan, named: str | None = None) -> EntryChoice:
    """The launcher's script when a launcher names one in the project; else the best by
    evidence. ``named`` (``--entry-point``) wins over both."""
    entries = {entry.path: entry for entry in scan.entry_points}
    if named:
        entry = entries.get(named)
        return EntryChoice(entry, f"{named}: named with --entry-point")
    migrated = scan.migrated_module
    for launcher in scan.launchers:
        path = resolve_entry_point(launcher, scan.root)
        if (
            path not in entries
            and migrated
            and posixpath.basename(path or "") == (posixpath.basename(migrated))
        ):
            reason = f"{migrated}: named by the launcher {launcher.location.path} as {path}"
            return EntryChoice(
                entries.get(migrated), f"{reason} (moved there by liftshift)", launcher
            )
        if path in entries:
            where = launcher.location.path
            outside = " (outside the project, same git repository)" * where.startswith("../")
            return EntryChoice(
                entries[path], f"{path}: named by the launcher {where}{outside}", launcher
            )
    if scan.migrated_module in entries:
        path = scan.migrated_module
        package = posixpath.dirname(path)
        reason = f"{path}: already migrated ({package}/__init__.py runs it)"
        return EntryChoice(entries[path], reason)
    if not entries:
        return EntryChoice(None, "no script reads SM_* or /opt/ml and no launcher names one")
    imported = _imported_by_others(scan.entry_points)
    scores = {path: score(entry, path in imported)[0] for path, entry in entries.items()}
    best = sorted(entries, key=lambda path: (-scores[path], path.count("/"), path))[0]
    reasons = score(entries[best], best in imported)[1]
    why = f"{best}: " + (", ".join(reasons) or "the only candidate")
    others = [path for path in sorted(entries, key=lambda p: -scores[p]) if path != best]
    if others:
        runner = others[0]
        lost = score(entries[runner], runner in imported)[1]
        why += f" (over {runner}: {', '.join(lost) or 'less evidence'})"
    return EntryChoice(entries[best], why, None, scores)


def score(entry: EntryPoint, imported: bool) -> tuple[int, list[str]]:
    """Points for how much ``entry`` looks like a trainer, and the evidence in words."""
    points = 0
    said: list[str] = []
    stem = posixpath.basename(entry.path).removesuffix(".py")
    reads = {read.name for read in entry.env_reads}
    opt_ml = [ref.detail for ref in entry.opt_ml_paths]
    if entry.has_main_guard:
        points += 2
        said.append("main guard")
    if entry.arguments:
        points += 2
        said.append("argparse")
    if entry.model_saves:
        points += 3
        said.append("saves a model")
    if reads & MODEL_DIR_READS or any(path.startswith("/opt/ml/model") for path in opt_ml):
        points += 3
        said.append("writes SM_MODEL_DIR" if reads & MODEL_DIR_READS else "writes /opt/ml/model")
    elif entry.data_reads and not entry.model_saves:
        said.append("only reads data")
    if any(path.startswith("/opt/ml/processing") for path in opt_ml):
        points -= 4
        said.append("a Processing job script (/opt/ml/processing)")
    if entry.inference_handlers and not entry.model_saves:
        points -= 2
        said.append("serving handlers only")
    if imported:
        points -= 3
        said.append("imported by another script")
    if AROUND_TRAINING.search(stem):
        points -= 2
        said.append(f"named like a step around training ({stem})")
    elif TRAINER_NAMES.search(stem):
        points += 1
        said.append(f"named like a trainer ({stem})")
    return points, said


def _imported_by_others(entries: list[EntryPoint]) -> set[str]:
    """Candidates another candidate imports (``from utils import CHANNEL``): helpers."""
    paths = {entry.path for entry in entries}
    found: set[str] = set()
    for entry in entries:
        folder = posixpath.dirname(entry.path)
        for ref in entry.sibling_imports:
            head = _imported_module(ref.detail)
            if head is None:
                continue
            candidate = posixpath.join(folder, *head.split(".")) + ".py"
            if candidate in paths and candidate != entry.path:
                found.add(candidate)
    return found


IMPORT_TEXT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))")


def _imported_module(source: str) -> str | None:
    found = IMPORT_TEXT.match(source)
    if not found:
        return None
    return found.group(1) or found.group(2)
