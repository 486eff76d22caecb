"""``scan_project``: walk, analyse every file (in processes when there are many), assemble."""

from __future__ import annotations

import ast
import multiprocessing
import os
import posixpath
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from liftshift.foundation.catalog.script_mode import (
    LEGACY_TENSORFLOW_FUNCTIONS,
    LEGACY_TRAIN_ARGUMENTS,
)
from liftshift.foundation.events import Reporter, ignore
from liftshift.scan import assemble
from liftshift.scan.analyze import FileResult, FileTask, analyze
from liftshift.scan.project import ChannelFlag, EntryPoint, Finding, Launcher, ProjectScan
from liftshift.scan.repo_launchers import repository_launchers
from liftshift.scan.visitor import ModuleFacts
from liftshift.scan.walk import Inventory, walk

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
    root: Path | str,
    *,
    reporter: Reporter = ignore,
    jobs: int | None = None,
    entry_point: str | None = None,
) -> ProjectScan:
    """Statically scan a project for SageMaker launchers, entry points and problems.

    Never imports or runs user code. ``jobs`` caps worker processes (default: CPU count, used
    only for big trees; 1 runs everything in this process; an explicit N > 1 always uses
    processes when there are enough files). ``entry_point`` (a project-relative script the
    user named) is an entry point whatever it reads. Raises :class:`ScanError` if ``root`` is
    not a folder.
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
    if not _names_a_project_file(launchers, results, root):
        launchers = [*repository_launchers(root), *launchers]

    tasks = {task.path: task for task in inventory.tasks}
    migrated = _migrated_module(results, tasks)
    moved = {posixpath.basename(migrated): migrated} if migrated else {}
    references = assemble.entry_point_references(
        launchers, results, findings, root.as_posix(), moved
    )
    for named in (migrated, entry_point):
        if named and named in results:
            references.setdefault(named, [])

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
    entry_points += _trainers_behind_helpers(entry_points, results, inventory, findings, facts_of)
    if not entry_points:
        entry_points += [
            assemble.build_entry_point(path, facts, [], inventory, findings, facts_of=facts_of)
            for path in _legacy_script_modules(results, tasks)
            if (facts := facts_of(path)) is not None
        ]
    entry_points.sort(key=lambda entry: entry.path)
    for entry in entry_points:
        if entry.path == migrated:
            entry.channel_flags += _package_channel_flags(migrated, facts_of, results)
    return ProjectScan(
        root=str(root),
        launchers=launchers,
        entry_points=entry_points,
        findings=assemble.sort_findings(findings),
        files_scanned=total,
        migrated_module=migrated,
    )


def _migrated_module(results: dict[str, FileResult], tasks: dict[str, FileTask]) -> str | None:
    """The module of a trainer package liftshift made, if the project has one."""
    texts = {}
    for path in results:
        if posixpath.basename(path) == "__init__.py" and path.count("/") == 1:
            try:
                texts[path] = Path(tasks[path].absolute).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    module = assemble.migrated_module(texts)
    return module if module in results else None


def _package_channel_flags(
    module: str,
    facts_of: Callable[[str], ModuleFacts | None],
    results: dict[str, FileResult],
) -> list[ChannelFlag]:
    """The channel flags read in the package modules a migrated trainer imports (its parser
    in ``utils.py``, reached by ``from .utils import parse_args``), followed module to module."""
    package = module.partition("/")[0]
    found: list[ChannelFlag] = []
    seen = {module}
    queue = [module]
    while queue:
        importer = queue.pop(0)
        facts = facts_of(importer)
        if facts is None:
            continue
        if importer != module:
            found += facts.channel_flags
        folder = posixpath.dirname(importer)
        targets = [_relative_target(folder, name) for name in facts.relative_imports]
        targets += [
            ref.module.split(".") for ref in facts.imports if ref.module.startswith(package + ".")
        ]
        for parts in targets:
            found_file = assemble.module_file_of("", ".".join(parts), results) if parts else None
            if found_file is not None and found_file not in seen:
                seen.add(found_file)
                queue.append(found_file)
    return found


def _relative_target(folder: str, name: str) -> list[str]:
    """``..utils.io`` imported from ``folder`` → the path parts of that module."""
    level = len(name) - len(name.lstrip("."))
    for _ in range(level - 1):
        folder = posixpath.dirname(folder)
    rest = name[level:]
    return [*(folder.split("/") if folder else []), *(rest.split(".") if rest else [])]


def _names_a_project_file(
    launchers: list[Launcher], results: dict[str, FileResult], root: Path
) -> bool:
    return any(
        assemble.resolve_entry_point(launcher, root.as_posix()) in results for launcher in launchers
    )


def _trainers_behind_helpers(
    entry_points: list[EntryPoint],
    results: dict[str, FileResult],
    inventory: Inventory,
    findings: list[Finding],
    facts_of: Callable[[str], ModuleFacts | None],
) -> list[EntryPoint]:
    tasks = {task.path: task for task in inventory.tasks}
    """Scripts that read no ``SM_*`` themselves but import a project module that does
    (``from utils.env import sm_path``) and run as a program (a ``__main__`` guard or argparse):
    the trainer is the script, not the helper. Walked only when such a helper exists."""
    helpers = {entry.path for entry in entry_points}
    if not helpers:
        return []
    found = []
    for path, result in sorted(results.items()):
        if path in helpers or result.kind != "python" or not result.parsed:
            continue
        if result.facts is None and not _runs_as_program(Path(tasks[path].absolute)):
            continue
        facts = facts_of(path)
        if facts is None or not (facts.has_main_guard or facts.arguments):
            continue
        imported = assemble.sibling_imports(path, facts, inventory, facts_of)
        modules = {
            assemble.module_file_of(posixpath.dirname(path), ref.module, inventory.python_files)
            for _, ref in imported
        }
        if modules & helpers:
            found.append(
                assemble.build_entry_point(path, facts, [], inventory, findings, facts_of=facts_of)
            )
    return found


def _legacy_script_modules(results: dict[str, FileResult], tasks: dict[str, FileTask]) -> list[str]:
    """Modules written for SageMaker's pre-2019 framework containers, which imported them and
    called their functions (``train(channel_input_dirs, model_dir, …)``, ``estimator_fn``):
    they read no ``SM_*``, yet they are the trainer. Looked for only when nothing else is a
    candidate, so the migration can wrap them with a ``__main__`` block or say why it cannot."""
    found = []
    for path, result in sorted(results.items()):
        if result.kind != "python" or not result.parsed:
            continue
        try:
            text = Path(tasks[path].absolute).read_text(encoding="utf-8", errors="replace")
            tree = ast.parse(text)
        except (OSError, SyntaxError, ValueError):
            continue
        if is_legacy_script_module(tree):
            found.append(path)
    return found


def is_legacy_script_module(tree: ast.Module) -> bool:
    """Top-level ``train(...)`` taking a container argument, or a legacy TensorFlow function,
    and no ``__main__`` guard (a script with one runs itself)."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, ast.If) and "__main__" in ast.dump(statement.test):
            return False
        if not isinstance(statement, ast.FunctionDef):
            continue
        names.add(statement.name)
        if statement.name == "train":
            arguments = statement.args
            params = {
                a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            }
            if params & LEGACY_TRAIN_ARGUMENTS:
                names.add("legacy train")
    return bool(names & ({"legacy train"} | LEGACY_TENSORFLOW_FUNCTIONS))


def _runs_as_program(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "__main__" in text or "argparse" in text


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
