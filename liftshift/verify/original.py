"""The original side of ``liftshift verify``: the SageMaker project before migration
(restored from the apply backups), its channel files, and its run under the local SageMaker
runtime (:mod:`liftshift.verify.sagemaker`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from liftshift.foundation.events import Reporter
from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.plan import Plan
from liftshift.foundation.secrets import redact_text, secret_values
from liftshift.foundation.storage.uri import channel_dir_uri
from liftshift.trainer.jobs import StepProgress
from liftshift.verify import compare, sagemaker
from liftshift.verify.report import SideRun, VerifyError

_ERROR_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Exit|Interrupt)\b(?::.*)?$")


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


def run_original(
    prepared: sagemaker.PreparedRun,
    python: Path,
    *,
    common: dict[str, str],
    work: Path,
    timeout: float | None,
    reporter: Reporter,
    label: str = "original",
) -> SideRun:
    """Run the prepared original with the shared environment ``common``; its log, the
    channels it opened and the files it left in its code folder go into the SideRun.
    ``label`` names its log and trace files in ``work`` (a second run gets its own)."""
    watch = prepared.channel_dirs
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AIP_", "SAGEMAKER_"))}
    env |= common | prepared.env
    env |= {
        "LIFTSHIFT_VERIFY_WATCH": json.dumps(watch),
        "LIFTSHIFT_VERIFY_TRACE": str(work / f"{label}-trace.jsonl"),
        "LIFTSHIFT_VERIFY_GUARD": "1",
    }
    before = set(compare.list_files(prepared.code_dir))
    log_path = work / f"{label}.log"
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
                timeout=timeout,
                check=False,
            )
            code: int | None = completed.returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.perf_counter() - started
    # what the trainer printed may hold a credential of this environment: never kept or shown
    text = redact_text(log_path.read_text(encoding="utf-8", errors="replace"), secret_values())
    write_atomic(log_path, text)
    for line in text.splitlines():
        reporter(StepProgress("original", line))
    after = compare.list_files(prepared.code_dir)
    error = "" if code == 0 else last_error_line(text)
    if code is None:
        error = f"did not finish within {timeout:g} s"
    return SideRun(
        "original",
        "sagemaker toolkit stand-in (local)",
        exit_code=code,
        last_error=error,
        seconds=seconds,
        log_path=str(log_path),
        model_dir=str(prepared.model_dir),
        channels_read=read_trace(work / f"{label}-trace.jsonl"),
        stray_files=sorted(f"code/{path}" for path in set(after) - before),
    )


def last_error_line(log: str) -> str:
    """The line that says why a Python process failed: the exception line of its last
    traceback, an argparse ``error:`` line, else the last non-empty line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if _ERROR_LINE.match(line) or ": error: " in line:
            return line
    return lines[-1] if lines else ""


def original_entry(plan: Plan, original_src: Path) -> tuple[Path, str]:
    """(source folder, entry point relative to it, as ``sagemaker_program`` names it) in the
    original. A plan written after the migration names the moved script
    (``trainer/train.py``); the original has it under its own name elsewhere (``train.py``)."""
    entry = Path(plan.code.entry_point)
    source = Path(plan.code.source_dir or ".")
    if not (original_src / source / entry).is_file():
        found = [
            path
            for path in original_src.rglob(entry.name)
            if path.is_file() and ".liftshift" not in path.relative_to(original_src).parts
        ]
        if len(found) == 1:
            return found[0].parent, entry.name
    if str(source) not in ("", ".") and entry.is_relative_to(source):
        entry = entry.relative_to(source)
    return original_src / source, entry.as_posix()


def channel_files(folder: Path, destination: str) -> tuple[tuple[str, Path], ...]:
    """The objects SageMaker would put in the channel: everything under the channel's
    prefix; for a URI naming one object (``…/train.csv``), the objects starting with it."""
    files = compare.list_files(folder)
    name = destination.rstrip("/").rsplit("/", 1)[-1]
    if channel_dir_uri(destination) != destination.rstrip("/"):
        files = {path: size for path, size in files.items() if path.startswith(name)}
    return tuple((path, folder / path) for path in files)


def read_trace(path: Path) -> list[str]:
    """The channels the shim saw a trainer open or list."""
    if not path.is_file():
        return []
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            names.append(json.loads(line)["channel"])
        except (json.JSONDecodeError, KeyError):
            continue
    return sorted(set(names))
