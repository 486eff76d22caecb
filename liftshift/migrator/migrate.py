"""The migration pipeline: plan → codemods per file → ChangeSet + report. Nothing is written.

Like bump-pydantic, a file that cannot be migrated (does not parse, is not UTF-8, a rule fails
on it) is reported and the others are still migrated; the result says so, and the CLI never
exits 0 on it. Every ``# TODO(liftshift)`` in the migrated files — new or left by an earlier run —
is a report entry, so the report never says "nothing to do" about code it did not convert.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import libcst as cst
import tomli

from liftshift.codemods import ls001_package_module, ls007_predictor
from liftshift.codemods.argalias import without_argument_aliases
from liftshift.codemods.base import (
    TODO_RE,
    ChannelSpec,
    FileContext,
    MigrationContext,
    ProjectTree,
    Rule,
)
from liftshift.codemods.legacy import legacy_tensorflow, runs_nothing
from liftshift.codemods.ls005_model_output import MODEL_FOLDER_WRITE_TODO, saves_a_model
from liftshift.codemods.ls006_launcher import vertex_launcher_path
from liftshift.codemods.passes import run_passes
from liftshift.codemods.registry import select_rules
from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.plan import PLAN_FILENAME, Plan, hyperparameter_flag, load_plan, plan_path
from liftshift.foundation.settings import LOCAL_DIRNAME
from liftshift.migrator.changes import ChangeSet, FileChange
from liftshift.migrator.flagcheck import check_entry

TODO_MARK = "TODO(liftshift):"
NOTEBOOK_LINE_END = re.compile(r'(\\n)?",?$')
SKIP_DIRS = {".git", LOCAL_DIRNAME, "__pycache__", ".venv", "venv", "node_modules", ".tox"}


@dataclass(frozen=True)
class ReportEntry:
    path: str
    line: int
    rule: str
    message: str
    severity: Literal["todo", "error", "note"] = "todo"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class FileMigrated:
    """Progress event: one file went through the file rules."""

    path: str
    index: int
    total: int


@dataclass
class MigrationResult:
    root: Path
    changeset: ChangeSet
    entries: list[ReportEntry] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    context: MigrationContext | None = None

    @property
    def errors(self) -> list[ReportEntry]:
        return [entry for entry in self.entries if entry.severity == "error"]

    @property
    def blockers(self) -> list[ReportEntry]:
        """What stops the job on Vertex AI until someone acts (a SageMaker-only import)."""
        return [entry for entry in self.entries if entry.message.startswith("blocker:")]

    @property
    def files_changed(self) -> int:
        return len(self.changeset.effective())

    @property
    def need_attention(self) -> int:
        return len(self.entries)

    def summary(self) -> str:
        files = "file" if self.files_changed == 1 else "files"
        return f"{self.files_changed} {files} changed, {self.need_attention} need attention"

    def report_lines(self) -> list[str]:
        return [str(entry) for entry in self.entries] + [self.summary()]

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "rules": self.rules,
            "files_changed": self.files_changed,
            "need_attention": self.need_attention,
            "changes": [
                {
                    "kind": change.kind,
                    "path": change.path,
                    "old_path": change.old_path,
                    "hunks": len(change.hunks),
                    "added": sum(hunk.added for hunk in change.hunks),
                    "removed": sum(hunk.removed for hunk in change.hunks),
                }
                for change in self.changeset.effective()
            ],
            "entries": [entry.__dict__ for entry in self.entries],
            "blockers": [str(entry) for entry in self.blockers],
            "diff": self.changeset.diff(),
        }


class MigrateError(ValueError):
    """The project cannot be migrated at all (no plan, no entry point)."""


def read_text(root: Path, path: str) -> str | None:
    """A project file as text, exactly (CRLF kept); None when missing. Raises on non-UTF-8."""
    target = os.path.join(root, path)  # (os.path: pathlib's objects cost more than the read)
    if not os.path.isfile(target):
        return None
    with open(target, "rb") as file:
        return file.read().decode("utf-8")


def project_files(root: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, dirnames, filenames in root.walk() if hasattr(root, "walk") else _walk(root):
        dirnames[:] = [name for name in dirnames if name not in SKIP_DIRS]
        folder = Path(dirpath).relative_to(root).as_posix()  # one path operation per folder
        found.update(name if folder == "." else f"{folder}/{name}" for name in filenames)
    return found


def _walk(root: Path):  # Python 3.11 has no Path.walk
    for dirpath, dirnames, filenames in os.walk(root):
        yield Path(dirpath), dirnames, filenames


def load_or_scan_plan(root: Path, entry_point: str | None = None) -> tuple[Plan, list[str]]:
    """The plan from ``liftshift.toml``, else one made from a fresh scan (with the script the
    user named, if any); plus launcher paths."""
    launchers: list[str] = []
    if plan_path(root).is_file():
        plan = load_plan(root)
        if entry_point and entry_point != plan.code.entry_point:
            raise MigrateError(
                f"{PLAN_FILENAME} names entry point {plan.code.entry_point or '(none)'}; to "
                f"use {entry_point}, run `liftshift plan {root} --entry-point {entry_point}` "
                f"or edit code.entry_point"
            )
    else:
        try:
            from liftshift.migrator.planner import propose
            from liftshift.scan import scan_project
        except ImportError as exc:  # the scanner is not installed in this build
            raise MigrateError(f"{root}: no {PLAN_FILENAME}; run `liftshift plan {root}`") from exc
        scan = scan_project(root, entry_point=entry_point)
        plan = propose(scan, entry_point=entry_point).plan
        launchers = [launcher.location.path for launcher in scan.launchers]
    launchers = list(dict.fromkeys([*plan.code.launchers, *launchers]))
    return plan, launchers


def build_context(plan: Plan, launchers: list[str]) -> MigrationContext:
    channels = [
        ChannelSpec(channel.name, channel.argument, channel.destination)
        for channel in plan.data.channels
    ]
    return MigrationContext(
        entry_point=plan.code.entry_point,
        source_dir=plan.code.source_dir,
        package=plan.code.package or "trainer",
        module=plan.code.module or "trainer.task",
        channels=channels,
        data_access=plan.data.access,
        hyperparameters=dict(plan.training.hyperparameters),
        launchers=launchers,
        framework=plan.training.framework,
        plan=plan,
    )


def _entry(tree: ProjectTree, ctx: MigrationContext) -> str:
    module_file = ctx.module.replace(".", "/") + ".py"
    entry = ctx.entry_point
    if entry and tree.exists(entry):
        return entry
    if tree.exists(module_file):
        return module_file  # already migrated
    # Already migrated, and the scan of the result no longer names the entry point: LS001's
    # package docstring says which module it made.
    init = tree.read(f"{ctx.package}/__init__.py") or ""
    found = re.search(r"python -m ([\w.]+)", init)
    candidates = [found.group(1).replace(".", "/") + ".py"] if found else []
    if entry:
        candidates.append(f"{ctx.package}/{posixpath.basename(entry)}")
    for candidate in candidates:
        if tree.exists(candidate):
            ctx.module = candidate.removesuffix(".py").replace("/", ".")
            return candidate
    if not entry:
        broken = _unparseable_script(tree)
        if broken:
            raise MigrateError(
                f"no entry point: {broken}, and no other script reads SM_* variables or /opt/ml "
                "paths; fix its syntax (or name the training script with "
                "`liftshift plan PATH --entry-point FILE`)"
            )
        raise MigrateError(
            "no entry point: no script reads SM_* variables or /opt/ml paths and no launcher "
            "names one; name the training script with `liftshift plan PATH --entry-point FILE` "
            f"(or set code.entry_point in {PLAN_FILENAME})"
        )
    raise MigrateError(f"entry point {entry} not found; set code.entry_point in {PLAN_FILENAME}")


def _unparseable_script(tree: ProjectTree) -> str:
    """The first top-level script that does not parse, said as "x.py does not parse (…, line
    N)": the scan cannot see what such a trainer reads, so that is why nothing was found."""
    for path in sorted(tree.existing):
        if "/" in path or not path.endswith(".py"):
            continue
        text = tree.read(path)
        if text is None:
            continue
        try:
            ast.parse(text, filename=path)
        except SyntaxError as exc:
            return f"{path} does not parse ({exc.msg}, line {exc.lineno})"
    return ""


def _trainer_files(tree: ProjectTree, ctx: MigrationContext, entry: str) -> list[str]:
    """The entry point first, then the project modules it imports (or the whole package)."""
    package_dir = ctx.package + "/"
    if entry.startswith(package_dir):
        others = sorted(
            path for path in tree.existing if path.startswith(package_dir) and path.endswith(".py")
        )
        # LS007's predictor is generated code for the serving image, not trainer code
        return [
            entry,
            *[
                path
                for path in others
                if path != entry and not ls007_predictor.is_generated(tree.read(path) or "")
            ],
        ]
    source_dir = posixpath.dirname(entry)
    files = [entry]
    pending = [entry]
    while pending:
        found = ls001_package_module.project_imports(tree, pending.pop(), source_dir, ctx.package)
        for group in found.values():
            for path in group:
                if path.endswith(".py") and path not in files:
                    files.append(path)
                    pending.append(path)
    return files


def migrate_project(
    root: Path,
    *,
    rules: list[str] | None = None,
    skip: list[str] | None = None,
    plan: Plan | None = None,
    launchers: list[str] | None = None,
    reporter: Reporter = ignore,
    entry_point: str | None = None,
) -> MigrationResult:
    """Run the selected codemods over the project at ``root``; return the changes and report.

    ``plan`` defaults to ``liftshift.toml`` (or a fresh scan when there is none, planned with
    the script ``entry_point`` names when given: ``migrate --entry-point``). Raises
    :class:`MigrateError`/``PlanError``/``UnknownRuleError`` for problems with the whole run.
    """
    root = Path(root).resolve()
    selected = select_rules(rules, skip)
    plan_is_the_file = plan is None and plan_path(root).is_file()
    scanned = plan is None and not plan_is_the_file
    if plan is None:
        plan, found = load_or_scan_plan(root, entry_point)
        launchers = found if launchers is None else launchers
    ctx = build_context(plan, launchers if launchers is not None else list(plan.code.launchers))
    ctx.selected_rules = {rule.code for rule in selected}
    errors: dict[str, str] = {}
    originals: dict[str, str] = {}  # as read from disk: the change set's "before" texts

    def loader(path: str) -> str | None:
        try:
            text = read_text(root, path)
        except UnicodeDecodeError:
            errors[path] = "not UTF-8 text; left unchanged"
            return None
        if text is not None:
            originals[path] = text
        return text

    tree = ProjectTree(loader=loader, existing=project_files(root), errors=errors)
    tree.entry = _entry(tree, ctx)
    tree.trainer_files = _trainer_files(tree, ctx, tree.entry)
    parse_errors = _check_parse(tree)
    total = len(tree.trainer_files)
    done = iter(range(1, total + 1))
    batch: list[Rule] = []  # consecutive file rules run together, one parse per file
    for rule in [*selected, None]:
        if rule is not None and rule.transform_file is not None:
            batch.append(rule)
            continue
        if batch:
            _run_file_rules(
                batch,
                tree,
                ctx,
                parse_errors,
                lambda path: reporter(FileMigrated(path, next(done, total), total)),
            )
            batch = []
        if rule is not None and rule.transform_project is not None:
            _run_project_rule(rule, tree, ctx)
    _update_plan(tree, ctx, plan_is_the_file=plan_is_the_file)
    if {"LS002", "LS003"} <= ctx.selected_rules:
        _check_flags(tree, ctx, parse_errors)
        _other_scripts(tree, ctx)
    if "LS005" in ctx.selected_rules:
        _check_model_save(tree)
    if scanned and tree.origin:
        _write_scanned_plan(tree, plan)
    changeset = _changeset(tree, root, originals)
    entries = _entries(tree, ctx, changeset, parse_errors)
    return MigrationResult(root, changeset, entries, [rule.code for rule in selected], ctx)


def _check_parse(tree: ProjectTree) -> dict[str, ReportEntry]:
    """Files the file rules cannot read, keyed by their original path."""
    failed: dict[str, ReportEntry] = {}
    for path in tree.trainer_files:
        text = tree.read(path)
        if text is None:
            message = tree.errors.get(path, "cannot be read")
            failed[path] = ReportEntry(path, 0, "LS000", message, "error")
            continue
        try:
            tree.module(path)
        except cst.ParserSyntaxError as exc:
            message = f"does not parse ({exc.message.strip()}); left unchanged"
            failed[path] = ReportEntry(path, exc.raw_line, "LS000", message, "error")
    return failed


def _check_flags(tree: ProjectTree, ctx: MigrationContext, failed: dict[str, ReportEntry]) -> None:
    """After the rules: every flag the backends pass is parsed by the migrated entry point and
    every ``args.<name>`` it reads is defined; each violation is an error of the run."""
    entry = tree.entry
    if tree.origin.get(entry, entry) in failed:
        return
    try:
        module = tree.module(entry)
    except cst.ParserSyntaxError:
        return
    if module is None:
        return
    plan_channels = getattr(getattr(ctx.plan, "data", None), "channels", None)
    passed = [
        (channel.argument, f"the {channel.name!r} channel's folder")
        for channel in (plan_channels if plan_channels is not None else ctx.channels)
        if channel.argument
    ]
    passed.append(("--job-dir", "the model folder"))
    others = [tree.files.get(path) or "" for path in tree.trainer_files if path != entry]
    training = getattr(ctx.plan, "training", None)
    supplied = {hyperparameter_flag(key) for key in ctx.hyperparameters}
    supplied.update(
        arg for arg in getattr(training, "extra_args", []) or [] if str(arg).startswith("-")
    )
    code = tree.files.get(entry) or module.code
    for problem in check_entry(module, code, passed, others, supplied):
        tree.failures.append(ReportEntry(entry, problem.line, "LS000", problem.message, "error"))
    if legacy_tensorflow(module):
        message = (
            "legacy TensorFlow script mode (estimator_fn/train_input_fn, for SageMaker's "
            "pre-2019 containers): nothing trains when the module runs; rewrite it as a script "
            "whose __main__ block trains and saves a SavedModel to --job-dir"
        )
        tree.failures.append(ReportEntry(entry, 1, "LS000", message, "error"))
    elif runs_nothing(module):
        message = (
            "the entry point only defines functions: run as python -m it trains nothing and "
            'exits 0; add an `if __name__ == "__main__":` block that trains'
        )
        tree.failures.append(ReportEntry(entry, 1, "LS000", message, "error"))


SAGEMAKER_READ = re.compile(r"\bSM_[A-Z]|/opt/ml/")


def _check_model_save(tree: ProjectTree) -> None:
    """A trainer with no model save at all trains and then registers nothing on Vertex AI
    (the job itself fails afterwards on its empty model folder): say so at the entry point
    before anything runs, instead of reporting a clean migration. A trainer that writes files
    into the model folder by hand (or runs a program that does) was told so at those lines."""
    for path in tree.trainer_files:
        text = tree.read(path) or ""
        if saves_a_model(text) or MODEL_FOLDER_WRITE_TODO.search(text):
            return
    message = (
        "no model save found in the trainer: a job would leave AIP_MODEL_DIR empty and no "
        "model version can be made; save the model under AIP_MODEL_DIR (the --job-dir/model "
        "flag) or register it yourself"
    )
    tree.notes.append((tree.entry, 1, "LS005", message))


def _other_scripts(tree: ProjectTree, ctx: MigrationContext) -> None:
    """Python files outside the trainer package the job runs that still read SageMaker's
    environment (a ``preprocessing.py``, an ``evaluate.py``): reported, never silently left."""
    trainer = set(tree.trainer_files)
    skipped = {*tree.moved_away, *ctx.launchers, *map(vertex_launcher_path, ctx.launchers)}
    for path in sorted(tree.existing | tree.created):
        if not path.endswith(".py") or path in trainer or path in skipped:
            continue
        if ".ipynb_checkpoints" in path or path == "setup.py" or not tree.exists(path):
            continue
        text = tree.read(path)
        if text is None or ls007_predictor.is_generated(text):  # ours, and it reads no SM_*
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            if SAGEMAKER_READ.search(line) and "TODO(liftshift)" not in line:
                message = (
                    "reads SageMaker's environment (SM_*, /opt/ml) but is not part of the "
                    "trainer the job runs; make it the entry point, import it from the trainer, "
                    "or run it outside Vertex AI"
                )
                tree.notes.append((path, number, "LS003", message))
                break


def _run_project_rule(rule: Rule, tree: ProjectTree, ctx: MigrationContext) -> None:
    state = tree.snapshot()
    try:
        rule.transform_project(tree, ctx)  # type: ignore[misc]
    except Exception as exc:  # a rule bug must not lose the other rules' work
        tree.restore(state)  # nor leave its own work half done
        message = f"{rule.code} failed: {type(exc).__name__}: {exc}; rule skipped"
        tree.failures.append(ReportEntry(tree.entry, 0, rule.code, message, "error"))


def _run_file_rules(
    rules: list[Rule],
    tree: ProjectTree,
    ctx: MigrationContext,
    failed: dict[str, ReportEntry],
    finished: Callable[[str], None],
) -> None:
    """Each file is parsed once, goes through every file rule in order, and is printed once;
    ``finished(path)`` is told as each file is done (progress on a big tree)."""
    _collect_wrappers(tree, ctx, failed)
    # liftshift's own helpers save nothing: saves_a_model never matches their text
    ctx.saves_model = any(saves_a_model(tree.read(path) or "") for path in tree.trainer_files)
    for path in tree.trainer_files:
        _run_rules_on_file(rules, path, tree, ctx, failed)
        finished(path)


def _run_rules_on_file(
    rules: list[Rule],
    path: str,
    tree: ProjectTree,
    ctx: MigrationContext,
    failed: dict[str, ReportEntry],
) -> None:
    origin = tree.origin.get(path, path)
    if origin in failed:
        return
    source = tree.read(path)
    module = tree.module(path) if source is not None else None
    if module is None:
        return
    start = module
    spelled = without_argument_aliases(module, source)  # type: ignore[arg-type]
    if spelled is not start:
        module, source = spelled, spelled.code
    fctx = FileContext(path, path == tree.entry, ctx, source)
    if all(rule.make_pass is not None for rule in rules):
        try:  # the fast path: one walk of the tree for all the rules
            module = run_passes(module, fctx, [rule.make_pass for rule in rules])  # type: ignore[misc]
        except Exception:  # redo them one by one, to say which rule failed
            module = spelled
        else:
            if module is not start:
                tree.write_module(path, module)
            return
    for rule in rules:
        try:
            module = rule.transform_file(module, fctx)  # type: ignore[misc]
        except Exception as exc:  # per-file errors are reported, never fatal
            message = f"{rule.code} failed: {type(exc).__name__}: {exc}; rule skipped here"
            failed.setdefault(origin, ReportEntry(path, 0, rule.code, message, "error"))
    if module is not start:
        tree.write_module(path, module)


def _collect_wrappers(
    tree: ProjectTree, ctx: MigrationContext, failed: dict[str, ReportEntry]
) -> None:
    """Each trainer module's environment-reading helpers (a look at its top level only)."""
    from liftshift.codemods.envreads import simple_wrappers

    for path in tree.trainer_files:
        if tree.origin.get(path, path) in failed or not path.endswith(".py"):
            continue
        module = tree.module(path)
        if module is None:
            continue
        wrappers = simple_wrappers(module)
        if wrappers:
            ctx.project_wrappers[path.removesuffix(".py").replace("/", ".")] = wrappers  # type: ignore[assignment]


def _write_scanned_plan(tree: ProjectTree, plan: Plan) -> None:
    """No ``liftshift.toml`` yet, and the project is being made a package: propose the plan
    the scan made (with the flags the codemods recorded), because once the ``SM_*`` reads are
    gone a new scan can no longer tell which flag takes which channel. Written with
    ``save_plan`` itself, so the file is exactly what ``liftshift plan`` would write."""
    import tempfile

    from liftshift.foundation.plan import save_plan

    with tempfile.TemporaryDirectory() as folder:
        text = save_plan(plan, Path(folder)).read_text(encoding="utf-8")
    tree.write(PLAN_FILENAME, text)


def save_plan_used(result: MigrationResult) -> Path | None:
    """Save the plan a migration ran with as ``liftshift.toml`` once its changes are written,
    unless the file already says the same. Once the ``SM_*`` reads are gone a fresh scan can no
    longer tell which flag takes which channel, so a later ``plan``/``run`` must find this one
    (the app migrates with the plan in its form, saved or not). Returns the path if written."""
    from liftshift.foundation.plan import PlanError, save_plan

    plan = result.context.plan if result.context is not None else None
    if not isinstance(plan, Plan):
        return None
    if plan_path(result.root).is_file():
        try:
            if load_plan(result.root) == plan:
                return None
        except PlanError:
            pass  # a broken file: the plan the changes were made with replaces it
    return save_plan(plan, result.root, keep_existing=False)


def _update_plan(tree: ProjectTree, ctx: MigrationContext, *, plan_is_the_file: bool) -> None:
    """Record flags the codemods declared for channels the plan had no argument for, in the
    plan object and in ``liftshift.toml`` (so the backends pass them and reruns know them)."""
    if not ctx.added_arguments:
        return
    plan = ctx.plan
    recorded = False
    replaced = ctx.replaced_arguments
    for channel in getattr(getattr(plan, "data", None), "channels", []):
        flag = ctx.added_arguments.get(channel.name.lower())
        own = replaced.get(channel.name.lower())
        if (flag and not channel.argument) or (own and channel.argument != own):
            channel.argument = own or flag
            recorded = True
    if not tree.exists(PLAN_FILENAME) or (plan_is_the_file and not recorded):
        return  # nothing new: the plan object was just read from that file
    as_read = plan_is_the_file and PLAN_FILENAME not in tree.files  # no rule wrote it since
    text = tree.read(PLAN_FILENAME)
    if text is None:
        return
    planned = getattr(getattr(plan, "data", None), "channels", [])
    channels = [(channel.name, channel.argument) for channel in planned] if as_read else None
    updated = None if replaced else _flags_in_place(text, ctx.added_arguments, channels)
    if updated is None:
        updated = _flags_with_tomlkit(text, ctx.added_arguments, replaced)
    if updated != text:
        tree.write(PLAN_FILENAME, updated)


def _flag_for(name: str, added: dict[str, str]) -> str | None:
    return added.get(name) or added.get(name.lower())


def _flags_with_tomlkit(
    text: str, added: dict[str, str], replaced: dict[str, str] | None = None
) -> str:
    """Set ``argument`` on the channels that have none, and replace the ones the script does
    not parse by its own flag (``replaced``), keeping the user's formatting."""
    import tomlkit

    document = tomlkit.parse(text)
    changed = False
    for channel in document.get("data", {}).get("channels", []):
        name = str(channel.get("name", ""))
        own = _flag_for(name, replaced or {})
        if own and channel.get("argument") != own:
            channel["argument"] = own
            changed = True
            continue
        flag = _flag_for(name, added)
        if flag and not channel.get("argument"):
            channel["argument"] = flag
            changed = True
    return tomlkit.dumps(document) if changed else text


PLAN_ARGUMENT_LINE = re.compile(r'argument = ""(\r?)')
PLAN_NAME_LINE = re.compile(r'name\s*=\s*"([^"\\]*)"\s*(#.*)?\r?')
PLAIN_FLAG = re.compile(r"[\w.-]+")


def _flags_in_place(
    text: str, added: dict[str, str], channels: list[tuple[str, str]] | None = None
) -> str | None:
    """What :func:`_flags_with_tomlkit` gives, for the plan layout ``save_plan`` writes
    (``[[data.channels]]`` tables holding ``argument = ""``): each empty value is filled in on
    its own line, without tomlkit's parse of the whole document (~2 ms a project). None when
    the file is laid out any other way. The result is checked with ``tomli``: it must read
    as ``text`` with those flags filled in. ``channels`` (name, argument), when given, are
    those of the plan read from ``text`` itself, with the flags filled in: only the edited
    lines differ, so the check is then that the result's channels are exactly these, which
    saves parsing ``text`` a second time."""
    if "'''" in text or '"""' in text:
        return None  # a multi-line string could hold lines that look like tables
    lines = text.split("\n")
    blocks: list[tuple[str | None, int | None]] = []  # per channel table: name, argument line
    name: str | None = None
    argument: int | None = None
    inside = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            if inside:
                blocks.append((name, argument))
            inside = stripped == "[[data.channels]]"
            if not inside and "channels" in stripped:
                return None
            name, argument = None, None
            continue
        if not inside:
            continue
        if found := PLAN_NAME_LINE.fullmatch(line):
            name = found.group(1)
        elif PLAN_ARGUMENT_LINE.fullmatch(line):
            argument = index
        elif stripped.startswith("argument"):
            argument = -1  # set already (or written some other way: the check below decides)
    if inside:
        blocks.append((name, argument))
    for name, argument in blocks:
        flag = _flag_for(name or "", added)
        if not flag or argument == -1:
            continue
        if argument is None or not PLAIN_FLAG.fullmatch(flag):
            return None
        ending = PLAN_ARGUMENT_LINE.fullmatch(lines[argument]).group(1)  # type: ignore[union-attr]
        lines[argument] = f'argument = "{flag}"{ending}'
    updated = "\n".join(lines)
    try:  # the same data as the tomlkit edit, or that edit it is
        if channels is not None:
            found = tomli.loads(updated).get("data", {}).get("channels", [])
            if [(str(c.get("name", "")), c.get("argument", "")) for c in found] != channels:
                return None
            return updated
        expected = tomli.loads(text)
        for channel in expected.get("data", {}).get("channels", []):
            flag = _flag_for(str(channel.get("name", "")), added)
            if flag and not channel.get("argument"):
                channel["argument"] = flag
        if tomli.loads(updated) != expected:
            return None
    except (tomli.TOMLDecodeError, AttributeError, TypeError):
        return None
    return updated


def _changeset(tree: ProjectTree, root: Path, originals: dict[str, str]) -> ChangeSet:
    """The changes from the disk to ``tree``; ``originals`` are the files the rules read, as
    they were read (each file is read from disk once)."""

    def read(path: str) -> str | None:
        return originals[path] if path in originals else read_text(root, path)

    changes: list[FileChange] = []
    for path in sorted(tree.files):
        after = tree.files[path]
        if path in tree.origin and tree.origin[path] != path:
            old = tree.origin[path]
            before = read(old)
            changes.append(FileChange("move", path, before, after, old, _mode(root / old)))
        elif path in tree.created:
            changes.append(FileChange("create", path, None, after))
        else:
            before = read(path)
            if before is not None and before != after:
                changes.append(FileChange("modify", path, before, after, mode=_mode(root / path)))
    for path in sorted(tree.deleted):
        before = read(path)
        changes.append(FileChange("delete", path, before, None, mode=_mode(root / path)))
    return ChangeSet(changes)


def _mode(path: Path) -> int:
    try:
        return 0o100755 if path.stat().st_mode & 0o111 else 0o100644
    except FileNotFoundError:
        return 0o100644


def _entries(
    tree: ProjectTree,
    ctx: MigrationContext,
    changeset: ChangeSet,
    failed: dict[str, ReportEntry],
) -> list[ReportEntry]:
    entries = list(failed.values()) + list(tree.failures)
    for path, line, rule, message in tree.notes:
        entries.append(ReportEntry(path, line, rule, message, "note"))
    launchers = [vertex_launcher_path(path) for path in ctx.launchers]
    for path in launchers:
        tree.read(path)
    scanned = [*tree.trainer_files, *(c.path for c in changeset.effective()), *launchers]
    scanned = list(dict.fromkeys(scanned))
    for path in scanned:
        text = tree.files.get(path)
        # every TODO_RE match holds TODO_MARK: `in` skips the files and lines without one
        if text is None or not path.endswith((".py", ".ipynb")) or TODO_MARK not in text:
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            found = TODO_RE.search(line) if TODO_MARK in line else None
            if found:
                message = NOTEBOOK_LINE_END.sub("", found.group(2).strip())
                entries.append(ReportEntry(path, number, found.group(1) or "LS000", message))
    return sorted(entries, key=lambda entry: (entry.path, entry.line, entry.rule))


@dataclass(frozen=True)
class ProjectCheck:
    """What ``--check`` needs to know about one project (small, so it pickles cheaply)."""

    root: str
    files_changed: int
    need_attention: int
    errors: int
    failure: str = ""


def check_project(root: str) -> ProjectCheck:
    """``migrate --check`` for one project, as a plain function a worker process can run."""
    try:
        result = migrate_project(Path(root))
    except Exception as exc:  # one bad project must not stop a large tree
        return ProjectCheck(root, 0, 0, 1, f"{type(exc).__name__}: {exc}")
    return ProjectCheck(root, result.files_changed, result.need_attention, len(result.errors))


def check_projects(roots: list[Path], *, workers: int | None = None) -> list[ProjectCheck]:
    """``--check`` over many projects; with more than one worker, in separate processes (libcst
    transforms are CPU-bound Python, so threads would not help)."""
    paths = [str(root) for root in roots]
    if workers is None:
        workers = min(len(paths), os.cpu_count() or 1)
    if workers <= 1 or len(paths) < 8:
        return [check_project(path) for path in paths]
    from concurrent.futures import ProcessPoolExecutor

    # The first project runs here: it imports the rules and fills the walk caches once, and
    # the forked workers start with them.
    first = check_project(paths[0])
    rest = paths[1:]
    chunk = max(1, len(rest) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [first, *pool.map(check_project, rest, chunksize=chunk)]
