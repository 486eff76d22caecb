"""What every codemod shares: the migration context, the rule type and TODO comments.

A rule is either a *file rule* (a libcst transform over one module's source) or a *project
rule* (it creates or moves files: LS001, LS006). Both work on a :class:`ProjectTree`, an
in-memory copy of the project, so the pipeline can diff the result against the disk without
writing anything. Rules never raise for unconvertible code: they leave an inline
``# TODO(liftshift): LSxxx …`` comment, which is also how the report finds what needs attention.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from liftshift.codemods.codegen import Printed, module_code
from liftshift.foundation.plan import hyperparameter_flag

TODO_PREFIX = "# TODO(liftshift):"
TODO_RE = re.compile(r"#\s*TODO\(liftshift\):\s*(?:(LS\d{3})\b:?\s*)?(.*)")


@dataclass(frozen=True)
class ChannelSpec:
    """One data channel as the migrated trainer sees it."""

    name: str
    argument: str
    """The trainer flag receiving the channel path (``--train``)."""
    destination: str = ""
    """``gs://bucket/prefix`` the channel lives at on GCS (for launchers)."""


@dataclass
class MigrationContext:
    """Facts from the scan and plan that the codemods need; no I/O, no plan file handling."""

    entry_point: str = ""
    """The training script, relative to the project root, as it is on disk before migration."""
    source_dir: str = "."
    package: str = "trainer"
    module: str = "trainer.task"
    channels: list[ChannelSpec] = field(default_factory=list)
    data_access: Literal["fuse", "gs"] = "fuse"
    hyperparameters: dict[str, object] = field(default_factory=dict)
    launchers: list[str] = field(default_factory=list)
    """Launcher files (``.py`` or ``.ipynb``) relative to the project root."""
    framework: str = ""
    plan: object | None = None
    """The whole :class:`liftshift.foundation.plan.Plan`, for LS006's launcher values."""
    selected_rules: set[str] = field(default_factory=set)
    """Codes of the rules in this run: a read another selected rule rewrites is not "left"."""
    added_arguments: dict[str, str] = field(default_factory=dict)
    """Channel name → flag that a rule declared (fed back into the plan)."""
    project_wrappers: dict[str, dict[str, object]] = field(default_factory=dict)
    """Trainer module (dotted path) → its environment-reading helper functions, so a read
    through ``from utils.env import sm_path`` is recognised in the module importing it."""
    replaced_arguments: dict[str, str] = field(default_factory=dict)
    """Channel name → the script's own flag, where the plan named one the script does not
    parse (the plan is corrected: the backends must pass what the script reads)."""
    saves_model: bool = True
    """Whether the trainer saves a model with a library anywhere (LS005 ``saves_a_model``);
    when it does not, LS005 tags the files it writes into the model folder by hand."""
    artifact_renames: dict[str, str] = field(default_factory=dict)
    """File name → served name LS005 gave the model the entry point saves
    (``xgboost-model`` → ``model.pkl``), so the other trainer modules (an ``inference.py``
    whose ``model_fn`` loads it) load the new name."""

    def channel_flag(self, name: str) -> str:
        """The flag for a channel: the plan's, else the script's own argparse flag for it, else
        ``--<name>`` like SageMaker examples use."""
        lowered = name.lower()
        for channel in self.channels:
            if channel.name.lower() == lowered and channel.argument:
                return channel.argument
        return self.added_arguments.get(lowered) or f"--{lowered}"

    def hyperparameter_flag(self, key: str) -> str:
        """``SM_HP_LEARNING-RATE`` → the launcher's own spelling (``--learning-rate``);
        ``SM_HP_C`` → ``-C``: a one-letter key is passed as ``-k``, as SageMaker passes it."""
        for known in self.hyperparameters:
            if known.upper() == key.upper():
                return hyperparameter_flag(known)
        return hyperparameter_flag(key.lower())


@dataclass
class FileContext:
    """The file a file rule is transforming."""

    path: str
    """Current path relative to the project root (after LS001 moved it)."""
    is_entry: bool
    migration: MigrationContext
    source: str | None = None
    """The file's text before the rules ran: a cheap filter that lets a rule skip a file with
    nothing for it (walking a tree costs as much as parsing it). None: always run."""

    def mentions(self, pattern: re.Pattern[str]) -> bool:
        return self.source is None or pattern.search(self.source) is not None


@dataclass
class ProjectTree:
    """An in-memory, editable view of the project: text files by POSIX path.

    ``origin`` maps a moved file's new path to its old one; ``created`` and ``deleted`` hold the
    paths that appear or disappear. Reading goes to disk lazily through ``loader``.
    """

    loader: Callable[[str], str | None]
    files: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    existing: set[str] = field(default_factory=set)
    """Every file path present on disk (relative), for rules that need to look around."""
    trainer_files: list[str] = field(default_factory=list)
    """Python files the file rules transform (entry point first), current paths."""
    entry: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    """path → why a file could not be migrated (does not parse, not UTF-8, a rule crashed)."""
    failures: list[object] = field(default_factory=list)
    """Report entries for project rules that failed (and were rolled back)."""
    parsed: dict[str, tuple[str, cst.Module]] = field(default_factory=dict)
    """path → (text, its tree): each file is parsed once however many rules look at it."""
    notes: list[tuple[str, int, str, str]] = field(default_factory=list)
    """(path, line, rule, message) a project rule reports without a TODO in a file."""
    printed: Printed = field(default_factory=dict)
    """The text of each top-level statement printed so far, so a module printed again (a
    later rule changed one statement) prints only what changed."""

    def snapshot(self) -> dict[str, object]:
        """The editable state, so a rule that fails half-way can be rolled back."""
        return {
            "files": dict(self.files),
            "origin": dict(self.origin),
            "created": set(self.created),
            "deleted": set(self.deleted),
            "trainer_files": list(self.trainer_files),
            "entry": self.entry,
            "parsed": dict(self.parsed),
        }

    def restore(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def exists(self, path: str) -> bool:
        if path in self.files or path in self.created:
            return True
        return path in self.existing and path not in self.deleted and path not in self.moved_away

    @property
    def moved_away(self) -> set[str]:
        return set(self.origin.values())

    def read(self, path: str) -> str | None:
        if path not in self.files:
            text = self.loader(self.origin.get(path, path))
            if text is None:
                return None
            self.files[path] = text
        return self.files[path]

    def module(self, path: str) -> cst.Module | None:
        """The parsed file (cached); raises ``libcst.ParserSyntaxError`` when it does not parse."""
        text = self.read(path)
        if text is None:
            return None
        cached = self.parsed.get(path)
        if cached is not None and cached[0] is text:
            return cached[1]
        module = cst.parse_module(text)
        self.parsed[path] = (text, module)
        return module

    def write_module(self, path: str, module: cst.Module) -> None:
        text = module_code(module, self.printed)
        self.write(path, text)
        self.parsed[path] = (self.files[path], module)

    def write(self, path: str, text: str) -> None:
        if not self.exists(path):
            self.created.add(path)
        self.files[path] = text

    def move(self, old: str, new: str) -> None:
        text = self.read(old)
        if text is None:
            raise FileNotFoundError(old)
        self.files.pop(old, None)
        self.files[new] = text
        if old in self.parsed:
            self.parsed[new] = self.parsed.pop(old)
        self.origin[new] = self.origin.pop(old, old)
        if self.entry == old:
            self.entry = new
        self.trainer_files = [new if item == old else item for item in self.trainer_files]


@dataclass(frozen=True)
class Rule:
    """A codemod: its code, name, one-line description and the docs shown by ``--rules``."""

    code: str
    name: str
    description: str
    docs: str
    transform_file: Callable[[cst.Module, FileContext], cst.Module] | None = None
    transform_project: Callable[[ProjectTree, MigrationContext], None] | None = None
    make_pass: Callable[[cst.Module, FileContext], object] | None = None
    """The file rule as a :class:`liftshift.codemods.passes.FilePass`, so the pipeline can
    walk each file once for all file rules (``transform_file`` runs it alone)."""


def todo_line(code: str, message: str) -> cst.EmptyLine:
    return cst.EmptyLine(comment=cst.Comment(f"{TODO_PREFIX} {code}: {message}"))


def has_todo(statement: cst.CSTNode, code: str, message: str) -> bool:
    text = f"{TODO_PREFIX} {code}: {message}"
    lines = getattr(statement, "leading_lines", ())
    return any(line.comment is not None and line.comment.value == text for line in lines)


def add_todo(statement: cst.CSTNode, code: str, message: str) -> cst.CSTNode:
    """Put ``# TODO(liftshift): CODE: message`` above a statement, once."""
    if has_todo(statement, code, message):
        return statement
    lines = [*getattr(statement, "leading_lines", ()), todo_line(code, message)]
    return statement.with_changes(leading_lines=lines)  # type: ignore[attr-defined]


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain (non f-) string literal, else None."""
    if isinstance(node, cst.SimpleString):
        text = node.value
        if text[:1] in ("'", '"') and "\\" not in text and "\r" not in text:
            width = 3 if text[:3] in ("'''", '"""') else 1  # no prefix, no escapes: as written
            return text[width:-width]
        value = node.evaluated_value  # prefixes and escapes: Python's own reading
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def quote_like(template: cst.CSTNode | None, value: str) -> cst.SimpleString:
    """A string literal in the file's own quote style (taken from ``template`` when given)."""
    quote = '"'
    if isinstance(template, cst.SimpleString):
        quote = template.quote if template.quote in ("'", '"') else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return cst.SimpleString(f"{quote}{escaped}{quote}")
