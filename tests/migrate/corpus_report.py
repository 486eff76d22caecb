"""Measure liftshift on the trainer corpus (tests/corpus), project by project, as a new user
would run it: scan, plan, migrate, apply, migrate again.

Shared by tests/migrate/test_corpus_report.py (which pins the counts) and
scripts/corpus_report.py (which prints the table). Each project is judged on:

- entry: the plan's entry point is the one tests/corpus/manifest.toml records;
- parses: every migrated Python file parses (libcst) and compiles;
- idempotent: a second migration after ``--apply`` changes nothing;
- tagged: no import of a SageMaker-only library, and no string naming ``/opt/ml`` or an ``SM_``
  variable, is left without a ``TODO(liftshift)``;
- flags: the migrated entry point declares (or reads at run time) every channel flag of the
  plan and ``--job-dir`` (the arguments the training backends pass), every plan channel has a
  flag, and every ``args.<name>`` it reads is an argument it declares; ``--job-dir`` may go
  unread only by a trainer with no strict parser that the migration says saves no model;
- servable: a model save writes what a Vertex prebuilt prediction container loads
  (``model.joblib``/``model.pkl``/``model.bst`` or a SavedModel), or a TODO at the save says
  why it cannot (files written into the model folder by hand count as saves when nothing is
  saved with a library; a pickled column list or encoder is not the model), or (no save at
  all) the migration says that no model save was found;
- replan: ``liftshift plan`` rerun on the migrated project gives the plan it was migrated
  with, its scan reports no ``entry-point-missing``, and planning it from scratch (no
  liftshift.toml) finds the migrated module and the same channel flags (channel names and S3
  sources are in no code once migrated, unless a launcher names them: that is why the plan
  is saved with the changes).

The static checks are approximations of running the job; the problems list says what each
one saw, so a count can be traced to lines.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from liftshift.codemods.ls005_model_output import (
    MODEL_FOLDER_WRITE_TODO,
    MODEL_WORDS,
    SIDE_WORDS,
)
from liftshift.foundation.plan import load_plan, save_plan
from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.flagcheck import helper_flags
from liftshift.migrator.hunk_links import undefined_reads
from liftshift.migrator.migrate import MigrateError, migrate_project
from liftshift.migrator.planner import propose
from liftshift.scan import scan_project
from liftshift.scan.tables import SAGEMAKER_ONLY_LIBRARIES

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MANIFEST = CORPUS / "manifest.toml"
CHECKS = ("entry", "parses", "idempotent", "tagged", "flags", "servable", "replan")
TODO_MARK = "TODO(liftshift)"
TRAINS_NOTHING = re.compile(r"nothing trains|trains nothing")
"""The migration's error for an entry point that only defines functions (legacy script mode
it cannot wrap): liftshift refuses the project with that one line."""
TODO_WINDOW = 3
"""Lines above a statement where its TODO may sit (the codemods put it right above)."""


@dataclass(frozen=True)
class CorpusProject:
    name: str
    entry_point: str
    """Relative to ``root``."""
    root: str = ""
    """Folder liftshift is pointed at, inside the project ("" = the project itself)."""
    git: bool = False
    named_entry_point: bool = False
    single_file: bool = False


@dataclass
class Outcome:
    name: str
    chosen: str = ""
    refused: str = ""
    """The one-line message when liftshift refused the project (MigrateError)."""
    crash: str = ""
    """An exception that is a liftshift bug (never acceptable)."""
    passed: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def corpus_projects() -> list[CorpusProject]:
    """Every folder listed in the manifest, and every top-level ``*.py`` as its own project."""
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8")).get("projects", {})
    projects = [
        CorpusProject(
            name=name,
            entry_point=table["entry_point"],
            root=table.get("root", ""),
            git=table.get("git", False),
            named_entry_point=table.get("named_entry_point", False),
        )
        for name, table in manifest.items()
    ]
    projects += [
        CorpusProject(name=path.name, entry_point=path.name, single_file=True)
        for path in CORPUS.glob("*.py")
    ]
    return sorted(projects, key=lambda project: project.name)


def materialise(project: CorpusProject, workdir: Path) -> Path:
    """A private copy of the project (a git repository when the manifest says so); its root."""
    target = workdir / project.name.removesuffix(".py")
    if project.single_file:
        target.mkdir(parents=True)
        shutil.copy(CORPUS / project.name, target / project.name)
    else:
        shutil.copytree(CORPUS / project.name, target)
    if project.git:
        subprocess.run(["git", "init", "-q", str(target)], check=True)
    return target / project.root if project.root else target


def evaluate(project: CorpusProject, workdir: Path) -> Outcome:
    outcome = Outcome(project.name)
    root = materialise(project, workdir)
    try:
        _evaluate(project, root, outcome)
    except MigrateError as exc:
        outcome.refused = str(exc)
    except Exception as exc:  # a crash is a liftshift bug: recorded, and the test fails on it
        outcome.crash = f"{type(exc).__name__}: {exc}"
    for check in CHECKS:
        outcome.passed.setdefault(check, False)
    return outcome


def _evaluate(project: CorpusProject, root: Path, outcome: Outcome) -> None:
    named = project.entry_point if project.named_entry_point else None
    scan = scan_project(root, jobs=1, entry_point=named)
    proposal = _propose(scan, named)
    outcome.chosen = proposal.plan.code.entry_point
    outcome.passed["entry"] = outcome.chosen == project.entry_point
    if not outcome.passed["entry"]:
        outcome.problems.append(f"entry point {outcome.chosen or '(none)'}")
    save_plan(proposal.plan, root)

    first = migrate_project(root)
    failures = [entry for entry in first.errors if entry.rule != "LS000"]
    if failures:
        raise AssertionError(f"rule failed: {failures[0]}")
    trains_nothing = [entry for entry in first.errors if TRAINS_NOTHING.search(entry.message)]
    if trains_nothing:  # the migration's own refusal of a module that runs nothing
        outcome.refused = f"{trains_nothing[0].path}: {trains_nothing[0].message}"
        return
    outcome.passed["parses"] = _all_parse(first, outcome)
    if first.changeset:
        apply_changeset(first.changeset, root, force=True)
    again = migrate_project(root)
    outcome.passed["idempotent"] = not again.changeset
    if again.changeset:
        changed = ", ".join(change.path for change in again.changeset.effective())
        outcome.problems.append(f"second run changes {changed}")

    plan = load_plan(root)
    outcome.passed["replan"] = _replans_the_same(root, plan, outcome)
    module_file = root / (plan.code.module.replace(".", "/") + ".py")
    package = root / plan.code.package
    trainer_files = sorted(package.rglob("*.py")) if package.is_dir() else []
    if not module_file.is_file():
        outcome.problems.append(f"no migrated module {plan.code.module}")
        return
    texts = {path: path.read_text(encoding="utf-8") for path in trainer_files}
    imports_tagged = _imports_tagged(texts, root, outcome)
    outcome.passed["tagged"] = _sagemaker_strings_tagged(texts, root, outcome) and imports_tagged
    flags = [channel.argument for channel in plan.data.channels]
    others = [text for path, text in texts.items() if path != module_file]
    said_no_save = any(
        entry.rule == "LS005" and entry.message.startswith("no model save found")
        for entry in first.entries
    )
    outcome.passed["flags"] = _flags_consistent(
        texts[module_file], others, flags, outcome, saves_nothing=said_no_save
    )
    outcome.passed["servable"] = _servable(texts, outcome, said_no_save=said_no_save)


def _replans_the_same(root: Path, plan, outcome: Outcome) -> bool:
    """``liftshift plan`` rerun on the migrated project (its liftshift.toml kept) changes
    nothing; the entry point is still found although the SM_* reads are gone."""
    scan = scan_project(root, jobs=1)
    again = propose(scan, existing=plan).plan
    fresh = propose(scan).plan
    same = dataclasses.asdict(again) == dataclasses.asdict(plan)
    if not same:
        outcome.problems.append("re-planning changes the plan")
    missing = [f for f in scan.findings if f.code == "entry-point-missing"]
    if missing:
        outcome.problems.append(f"scan of the migrated project: {missing[0].message}")
        same = False

    def shape(item):
        return item.code.module, sorted(c.argument for c in item.data.channels)

    if shape(fresh) != shape(plan):
        outcome.problems.append(f"re-planned from scratch as {shape(fresh)}, not {shape(plan)}")
        return False
    return same


def _propose(scan, named: str | None):
    """The plan proposal; a user-named entry point (``--entry-point``) is honoured."""
    try:
        return propose(scan, entry_point=named)
    except TypeError:  # a planner without the entry_point argument
        proposal = propose(scan)
        if named:
            proposal.plan.code.entry_point = named
            stem = Path(named).stem
            proposal.plan.code.module = f"{proposal.plan.code.package}.{stem}"
        return proposal


def _all_parse(result, outcome: Outcome) -> bool:
    good = True
    for change in result.changeset:
        text = change.result()
        if text is None or not change.path.endswith(".py"):
            continue
        try:
            cst.parse_module(text)
            compile(text, change.path, "exec")
        except (cst.ParserSyntaxError, SyntaxError, ValueError) as exc:
            outcome.problems.append(f"{change.path} does not parse: {str(exc).splitlines()[0]}")
            good = False
    return good


def _statements(text: str) -> list[tuple[ast.stmt, int]]:
    tree = ast.parse(text)
    return [(node, node.lineno) for node in ast.walk(tree) if isinstance(node, ast.stmt)]


def _tagged(lines: list[str], line: int) -> bool:
    window = lines[max(0, line - 1 - TODO_WINDOW) : line]
    return any(TODO_MARK in item for item in window)


def _imports_tagged(texts: dict[Path, str], root: Path, outcome: Outcome) -> bool:
    good = True
    for path, text in texts.items():
        try:
            statements = _statements(text)
        except SyntaxError:
            continue
        lines = text.split("\n")
        for node, line in statements:
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            heads = {module.partition(".")[0] for module in modules}
            if heads & set(SAGEMAKER_ONLY_LIBRARIES) and not _tagged(lines, line):
                where = path.relative_to(root).as_posix()
                outcome.problems.append(f"{where}:{line} untagged import {', '.join(modules)}")
                good = False
    return good


SAGEMAKER_STRING = re.compile(r"/opt/ml\b|\bSM_[A-Z]")
"""What a string left in migrated code must not name without a TODO: SageMaker's container
layout or one of its variables."""


def _sagemaker_strings_tagged(texts: dict[Path, str], root: Path, outcome: Outcome) -> bool:
    """Every string of the trainer's own code (not prose: docstrings and bare strings; not
    liftshift's ``_liftshift_*`` helpers) that still names ``/opt/ml`` or an ``SM_`` variable
    has a TODO above its statement."""
    good = True
    for path, text in texts.items():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.split("\n")
        for statement in _own_statements(tree):
            for node in _expressions_of(statement):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and SAGEMAKER_STRING.search(node.value)
                    and not _tagged(lines, statement.lineno)
                ):
                    where = path.relative_to(root).as_posix()
                    outcome.problems.append(f"{where}:{node.lineno} untagged {node.value[:40]!r}")
                    good = False
    return good


def _own_statements(tree: ast.AST) -> list[ast.stmt]:
    """The statements outside liftshift's helpers, prose strings left out."""
    found: list[ast.stmt] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef) and child.name.startswith("_liftshift_"):
                continue
            if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant):
                continue
            if isinstance(child, ast.stmt):
                found.append(child)
            pending.append(child)
    return found


def _expressions_of(statement: ast.stmt) -> list[ast.AST]:
    """The nodes of the statement itself: not those of the statements in its body, nor the
    prose of a ``help=`` text."""
    nodes: list[ast.AST] = []
    pending = [
        item
        for _name, value in ast.iter_fields(statement)
        for item in (value if isinstance(value, list) else [value])
        if isinstance(item, ast.AST) and not isinstance(item, ast.stmt | ast.excepthandler)
    ]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.keyword) and node.arg == "help":
            continue
        nodes.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def _declared_flags(tree: ast.AST) -> set[str]:
    """Flags declared with ``add_argument`` (or an alias: ``aa = parser.add_argument``)."""
    aliases = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "add_argument"
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    flags: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "add_argument") or (
            isinstance(func, ast.Name) and func.id in aliases
        ):
            flags.update(
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
    return flags


def _flags_consistent(
    text: str,
    others: list[str],
    plan_flags: list[str],
    outcome: Outcome,
    *,
    saves_nothing: bool = False,
) -> bool:
    """The entry point parses every flag the backends pass: declared by an argument parser
    (its own, or one a trainer module it imports builds: ``utils.parse_args()``), or, when no
    parser would reject unknown flags, read from the command line by liftshift's helper.

    ``--job-dir`` names where the model goes. A script with no model save (``saves_nothing``:
    the migration said so, LS005) and no parser that rejects unknown flags has nothing to put
    there: the flag is passed and harmlessly ignored, and adding a parser or a read for it
    would be a flag nothing uses. Every other script must read it."""
    trees = []
    for code in [text, *others]:
        try:
            trees.append(ast.parse(code))
        except SyntaxError:
            if code is text:
                return False
    flags = set().union(*(_declared_flags(tree) for tree in trees))
    good = True
    if "" in plan_flags:
        outcome.problems.append("a plan channel has no trainer flag")
        good = False
    strict = any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "parse_args"
        for tree in trees
        for node in ast.walk(tree)
    )
    for flag in [*(flag for flag in plan_flags if flag), "--job-dir"]:
        read_at_run_time = not strict and any(
            flag in helper_flags(code) for code in [text, *others]
        )
        unused = flag == "--job-dir" and saves_nothing and not strict
        if flag not in flags and not read_at_run_time and not unused:
            outcome.problems.append(f"entry point does not declare {flag}")
            good = False
    undefined = sorted(undefined_reads(text))
    if undefined:
        outcome.problems.append(f"reads undefined args.{', args.'.join(undefined)}")
        good = False
    return good


LOADABLE_NAME = re.compile(r"model\.(joblib|pkl|bst)\b")
SAVE_ATTRS = {
    "save",
    "save_model",
    "dump",
    "export_saved_model",
    "save_pretrained",
    "export",
    "serialize",  # a GluonTS predictor
}
NOT_MODEL_OWNERS = {"np", "numpy", "json", "plt", "yaml", "tokenizer", "fig", "pd", "df"}
MODEL_FOLDER = re.compile(
    r"model_dir|job_dir|AIP_MODEL_DIR|--job-dir|model_artifacts|SM_MODEL_DIR|/opt/ml/model|"
    r"_liftshift_model_folder",
    re.IGNORECASE,
)
"""A path in the model folder (its usual names, and what the migration made of them)."""


@functools.lru_cache(maxsize=16)
def _calls(text: str) -> tuple[ast.Call, ...]:
    """Every call in the code (none when it does not parse), parsed once for the two searches
    below, which read the same files."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ()
    return tuple(node for node in ast.walk(tree) if isinstance(node, ast.Call))


def _saves(text: str) -> list[tuple[ast.Call, int]]:
    found = []
    for node in _calls(text):
        if not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else ""
        if node.func.attr in ("LatestExporter", "BestExporter", "FinalExporter"):
            found.append((node, node.lineno))  # train_and_evaluate exports through it
            continue
        if node.func.attr == "fit" and _autogluon_predictor(owner):
            found.append((node, node.lineno))  # AutoGluon writes its folder as it fits
            continue
        if node.func.attr in SAVE_ATTRS and owner_name not in NOT_MODEL_OWNERS:
            found.append((node, node.lineno))
    return found


def _side_artifact(text: str, call: ast.Call) -> bool:
    """``pickle.dump(column_dict, f)``: a pickle of something that is not the model (a column
    list, an encoder), by LS005's own words for those; the model is saved some other way."""
    if call.func.attr != "dump" or not call.args:  # type: ignore[attr-defined]
        return False
    saved = ast.get_source_segment(text, call.args[0]) or ""
    words = f"{saved} {_path_text(text, call)}"
    return SIDE_WORDS.search(words) is not None and MODEL_WORDS.search(saved) is None


def _folder_writes(text: str) -> list[tuple[ast.Call, int]]:
    """Files written by hand into the model folder: ``open(<model folder>/x, "w")``,
    ``np.save(<model folder>/x, …)``: what a trainer with no library save leaves there."""
    found = []
    for node in _calls(text):
        if not node.args:
            continue
        func = node.func
        is_open = isinstance(func, ast.Name) and func.id == "open" and _writes(node)
        is_array = (
            isinstance(func, ast.Attribute)
            and func.attr in ("save", "savez", "savez_compressed", "savetxt")
            and isinstance(func.value, ast.Name)
            and func.value.id in ("np", "numpy")
        )
        if (is_open or is_array) and MODEL_FOLDER.search(_first_arg_text(text, node)):
            found.append((node, node.lineno))
    return found


def _writes(call: ast.Call) -> bool:
    mode = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    return isinstance(mode, ast.Constant) and any(c in str(mode.value) for c in "wax")


def _first_arg_text(text: str, call: ast.Call) -> str:
    """The path argument's code, plus the assignment of the variable it names (one hop)."""
    segment = ast.get_source_segment(text, call.args[0]) or ""
    if isinstance(call.args[0], ast.Name):
        name = re.escape(call.args[0].id)
        for found in re.finditer(rf"^\s*{name}\s*=\s*(.+)$", text, re.MULTILINE):
            segment += " " + found.group(1)
    return segment


def _autogluon_predictor(node: ast.AST) -> bool:
    """``TabularPredictor(...)`` (or another AutoGluon predictor) being constructed."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name in {"TabularPredictor", "MultiModalPredictor", "TimeSeriesPredictor"}


def _servable(texts: dict[Path, str], outcome: Outcome, *, said_no_save: bool) -> bool:
    """At least one save a prebuilt prediction container loads, or every save tagged, or (a
    trainer with no save at all) the migration said so. A trainer that saves no model with a
    library but writes files into the model folder by hand is judged on those writes; one that
    runs a program writing there says so at that line (the TODO the migration leaves)."""
    loadable = False
    saves = 0
    untagged: list[str] = []
    found = {
        path: [(call, line) for call, line in _saves(text) if not _side_artifact(text, call)]
        for path, text in texts.items()
    }
    if not any(found.values()):
        found = {path: _folder_writes(text) for path, text in texts.items()}
    for path, text in texts.items():
        lines = text.split("\n")
        uses_tensorflow = "tensorflow" in text or "keras" in text
        for call, line in found[path]:
            saves += 1
            source = ast.get_source_segment(text, call) or ""
            target = _path_text(text, call)
            kind = getattr(call.func, "attr", "")
            if LOADABLE_NAME.search(source + target):
                loadable = True
            elif (
                kind in ("save", "export")
                and uses_tensorflow
                and not re.search(r"\.(h5|keras)\b", target)
            ):
                loadable = loadable or bool(target)  # a SavedModel (Keras 3: model.export)
            elif kind == "export_saved_model" and "_liftshift_savedmodel_at_root(" in text:
                loadable = True  # the timestamped export is moved to the folder root
            elif not _tagged(lines, line):
                untagged.append(f"{path.name}:{line} {source.splitlines()[0][:60]}")
    if loadable:
        return True
    if saves and not untagged:
        return True
    if not saves and said_no_save:
        return True
    if not saves and any(MODEL_FOLDER_WRITE_TODO.search(text) for text in texts.values()):
        return True  # a command line writes into the model folder: said at that line
    outcome.problems.append(
        "no servable artifact: " + ("; ".join(untagged[:2]) if untagged else "no model save")
    )
    return False


def _path_text(text: str, call: ast.Call) -> str:
    """The save's path expression, plus the assignment of a variable it names (one hop)."""
    args = list(call.args)
    owner = getattr(call.func, "value", None)  # None for open(path, "w")
    is_dump = isinstance(owner, ast.Name) and owner.id in ("joblib", "pickle", "pkl", "torch")
    candidate = args[1] if is_dump and len(args) > 1 else (args[0] if args else None)
    if candidate is None:
        return ""
    segment = ast.get_source_segment(text, candidate) or ""
    if (  # pickle.dump(model, open(path, "wb")): the path is open's first argument
        isinstance(candidate, ast.Call)
        and isinstance(candidate.func, ast.Name)
        and candidate.func.id == "open"
        and candidate.args
    ):
        candidate = candidate.args[0]
    names = [candidate.id] if isinstance(candidate, ast.Name) else []
    seen: set[str] = set()
    for _ in range(3):  # f -> open(model_location) -> model_location = dir + "/model.pkl"
        following = []
        for name in (n for n in names if n not in seen):
            seen.add(name)
            for found in re.finditer(
                rf"^\s*{re.escape(name)}\s*=\s*(.+)$|open\((.+)\)\s+as\s+{re.escape(name)}\b",
                text,
                re.MULTILINE,
            ):
                value = found.group(1) or found.group(2)
                segment += " " + value
                # only a path held in one more variable is followed (open(path, "wb") as f)
                bare = re.match(r"\s*(?:open\(\s*)?([A-Za-z_]\w*)\s*(?:[,)]|$)", value)
                if bare:
                    following.append(bare.group(1))
        names = following
    return segment


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    return {check: sum(outcome.passed[check] for outcome in outcomes) for check in CHECKS}


def table(outcomes: list[Outcome]) -> str:
    """One line per project (✓/✗ per check, then what went wrong) and the totals."""
    width = max(len(outcome.name) for outcome in outcomes)
    header = f"{'project':<{width}}  " + " ".join(f"{check:>10}" for check in CHECKS)
    lines = [header, "-" * len(header)]
    for outcome in outcomes:
        marks = " ".join(f"{'ok' if outcome.passed[check] else 'FAIL':>10}" for check in CHECKS)
        notes = outcome.crash or outcome.refused or "; ".join(outcome.problems)
        lines.append(f"{outcome.name:<{width}}  {marks}  {notes}".rstrip())
    total = counts(outcomes)
    lines.append("-" * len(header))
    summary = " ".join(f"{f'{total[c]}/{len(outcomes)}':>10}" for c in CHECKS)
    lines.append(f"{'total':<{width}}  {summary}")
    return "\n".join(lines)
