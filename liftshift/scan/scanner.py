"""``scan_project``: walk, analyse every file (in processes when there are many), assemble."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from liftshift.foundation.events import Reporter, ignore
from liftshift.scan import assemble
from liftshift.scan.analyze import FileResult, FileTask, analyze
from liftshift.scan.project import ProjectScan
from liftshift.scan.visitor import ModuleFacts
from liftshift.scan.walk import walk

PARALLEL_MIN_FILES = 50
PARALLEL_MIN_BYTES = 1_000_000
"""Below these, starting worker processes (~1-2 s: a forkserver importing libcst) costs more
than it saves; libcst parses a few hundred KB/s per core."""


class ScanError(ValueError):
    """The path cannot be scanned at all (missing, not a folder)."""


@dataclass(frozen=True)
class ScanProgress:
    """Emitted while files are analysed: ``done`` of ``total`` files, the last one ``path``."""

    done: int
    total: int
    path: str


def scan_project(
    root: Path | str, *, reporter: Reporter = ignore, jobs: int | None = None
) -> ProjectScan:
    """Statically scan a project for SageMaker launchers, entry points and problems.

    Never imports or runs user code. ``jobs`` caps worker processes (default: CPU count, used
    only for big trees; 1 runs everything in this process; an explicit N > 1 always uses
    processes when there are enough files). Raises :class:`ScanError` if ``root`` is not a
    folder.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ScanError(f"{root}: not a folder" if root.exists() else f"{root}: no such folder")
    root = root.resolve()
    inventory = walk(root)
    total = len(inventory.tasks)
    results: dict[str, FileResult] = {}
    step = max(1, total // 100)
    reporter(ScanProgress(0, total, ""))
    for done, result in enumerate(_analyze_all(inventory.tasks, jobs), start=1):
        results[result.path] = result
        if done % step == 0 or done == total:
            reporter(ScanProgress(done, total, result.path))

    findings = list(inventory.findings)
    launchers = []
    for result in results.values():
        findings.extend(result.findings)
        if result.facts is not None:
            launchers.extend(result.facts.launchers)
            findings.extend(result.facts.findings)
    launchers.sort(key=lambda launcher: (launcher.location.path, launcher.location.line))

    references = assemble.entry_point_references(launchers, results, findings)
    tasks = {task.path: task for task in inventory.tasks}

    def facts_of(path: str) -> ModuleFacts | None:
        """Facts of any project file, walking it now if the first pass only parsed it."""
        result = results.get(path)
        if result is None or result.kind != "python":
            return None
        if result.facts is None and result.parsed:
            task = tasks[path]
            result = analyze(FileTask(task.path, task.absolute, task.kind, force=True))
            results[path] = result
            findings.extend(result.facts.findings if result.facts else [])
        return result.facts

    entry_points = []
    for path in sorted(set(references) | set(results)):
        if results[path].kind != "python":
            continue
        facts = facts_of(path) if path in references else results[path].facts
        if facts is None or not (path in references or assemble.is_entry_point(facts)):
            continue
        entry_points.append(
            assemble.build_entry_point(
                path, facts, references.get(path, []), inventory, findings, facts_of=facts_of
            )
        )
    return ProjectScan(
        root=str(root),
        launchers=launchers,
        entry_points=entry_points,
        findings=assemble.sort_findings(findings),
        files_scanned=total,
    )


def _analyze_all(tasks: list[FileTask], jobs: int | None) -> Iterator[FileResult]:
    workers = min(jobs or os.cpu_count() or 1, 8)
    small = sum(task.size for task in tasks) < PARALLEL_MIN_BYTES
    if workers <= 1 or len(tasks) < PARALLEL_MIN_FILES or (small and jobs is None):
        yield from map(analyze, tasks)
        return
    # forkserver, not fork: the app calls this from a thread, and forking a threaded process
    # can copy a held lock into the child.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["liftshift.scan.analyze"])
    chunksize = max(1, len(tasks) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(analyze, tasks, chunksize=chunksize)
