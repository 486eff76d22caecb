"""Scan one file: read it safely, parse it, walk it once. Runs in worker processes.

Everything a file can do wrong (binary, not UTF-8, does not parse, not a notebook) becomes a
finding for that file and the scan goes on. Files that mention nothing SageMaker-related are
only parsed (a syntax check), not walked: that keeps the whole scan close to the cost of
parsing alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import libcst as cst

from liftshift.scan.notebooks import NotebookError, code_cells
from liftshift.scan.project import Finding, Location, Severity
from liftshift.scan.visitor import ModuleFacts, ScanVisitor, SharedState

FileKind = Literal["python", "notebook"]

TRIGGERS = ("sagemaker", "SM_", "SAGEMAKER", "/opt/ml", "environ", "getenv", "model_fn")
"""Text that makes a file worth walking. Anything the visitor reports needs one of these."""


@dataclass(frozen=True)
class FileTask:
    path: str
    """POSIX path relative to the project root (what reports show)."""
    absolute: str
    kind: FileKind
    force: bool = False
    """Walk even without trigger text (an entry point a launcher names)."""
    size: int = 0
    """Bytes on disk, to decide whether worker processes pay off."""


@dataclass
class FileResult:
    path: str
    kind: FileKind
    facts: ModuleFacts | None = None
    """None when the file was not walked (unreadable, unparseable, or nothing to see)."""
    findings: list[Finding] = field(default_factory=list)
    parsed: bool = False


def analyze(task: FileTask) -> FileResult:
    """Never raises: a bug on one odd file becomes a finding, and the scan goes on."""
    result = FileResult(task.path, task.kind)
    try:
        text = _read(task, result)
        if text is None:
            return result
        if task.kind == "notebook":
            _notebook(task, text, result)
        else:
            _python(task, text, result)
    except Exception as exc:  # a scanner bug must not lose the rest of the project
        return FileResult(
            task.path,
            task.kind,
            findings=[
                Finding(
                    "scan-failed",
                    f"liftshift could not scan this file ({type(exc).__name__}: {exc}); "
                    "please report it",
                    Severity.ERROR,
                    Location(task.path),
                )
            ],
        )
    return result


def _read(task: FileTask, result: FileResult) -> str | None:
    where = Location(task.path)
    try:
        data = Path(task.absolute).read_bytes()
    except OSError as exc:
        result.findings.append(
            Finding("unreadable", f"cannot read: {exc.strerror}", Severity.WARNING, where)
        )
        return None
    if b"\0" in data:
        result.findings.append(
            Finding("binary-file", "binary file, not scanned", Severity.WARNING, where)
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.findings.append(
            Finding(
                "not-utf8",
                f"not UTF-8 (byte {exc.start}), not scanned; re-save it as UTF-8",
                Severity.WARNING,
                where,
            )
        )
        return None


def _parse(source: str, path: str, result: FileResult, cell: int | None) -> cst.Module | None:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        in_cell = f" (cell {cell})" if cell is not None else ""
        message = str(exc.message).splitlines()[0] if exc.message else "syntax error"
        result.findings.append(
            Finding(
                "parse-error",
                f"file does not parse{in_cell}: {message}",
                Severity.ERROR,
                Location(path, exc.raw_line, exc.raw_column + 1),
            )
        )
        return None
    except (RecursionError, ValueError) as exc:
        result.findings.append(
            Finding("parse-error", f"file does not parse: {exc}", Severity.ERROR, Location(path))
        )
        return None


def _python(task: FileTask, text: str, result: FileResult) -> None:
    module = _parse(text, task.path, result, None)
    if module is None:
        return
    result.parsed = True
    if not task.force and not any(trigger in text for trigger in TRIGGERS):
        return
    facts = ModuleFacts()
    state = SharedState()
    visitor = ScanVisitor(module, text, task.path, facts, state)
    visitor.scan()
    visitor.finish()
    facts.findings.extend(result.findings)
    result.findings = []
    result.facts = facts


def _notebook(task: FileTask, text: str, result: FileResult) -> None:
    try:
        cells = code_cells(text)
    except NotebookError as exc:
        result.findings.append(
            Finding(
                "notebook-invalid",
                f"notebook cannot be read: {exc}",
                Severity.ERROR,
                Location(task.path),
            )
        )
        return
    result.parsed = True
    if not task.force and not any(trigger in text for trigger in TRIGGERS):
        return
    facts = ModuleFacts()
    state = SharedState()
    visitor = None
    for index, source in cells:
        module = _parse(source, task.path, result, index)
        if module is None:
            continue
        visitor = ScanVisitor(module, source, task.path, facts, state, cell=index)
        before = len(facts.findings)
        visitor.scan()
        facts.findings[before:] = [
            dataclasses.replace(finding, message=f"{finding.message} [cell {index}]")
            for finding in facts.findings[before:]
        ]
    if visitor is not None:
        visitor.finish()
    facts.findings.extend(result.findings)
    result.findings = []
    result.facts = facts
