"""LS001 package-module: the training code becomes a package Vertex AI runs with ``python -m``.

Vertex AI's Python-package jobs install an sdist and run a module, so the entry script moves to
``trainer/task.py`` (``plan.code.package``/``plan.code.module``), every sibling module or folder
it imports (transitively) moves into ``trainer/`` along with it, and their imports become relative
(``import model`` → ``from . import model``, ``from utils.io import f`` → ``from .utils.io
import f``). ``trainer/__init__.py`` is created, and at the project root a ``setup.py`` in the style
of Google's Vertex AI docs builds just that package, with ``install_requires`` taken from the
project's ``requirements.txt``. A project that already has ``setup.py``/``pyproject.toml`` keeps
its own (TODO + report entry: check it packages ``trainer``). Launchers, data and other files stay.
"""

from __future__ import annotations

import functools
import posixpath
import re

import libcst as cst

from liftshift.codemods.base import TODO_PREFIX, MigrationContext, ProjectTree, Rule, add_todo
from liftshift.codemods.codegen import bare_code
from liftshift.codemods.cstutil import dotted_name
from liftshift.codemods.passes import fast_visit

CODE = "LS001"

SETUP_TEMPLATE = '''"""Build the Vertex AI trainer package (made by liftshift)."""

from setuptools import find_packages, setup

REQUIRED_PACKAGES = {requirements}

setup(
    name="{package}",
    version="0.1",
    install_requires=REQUIRED_PACKAGES,
    packages=find_packages(include=["{package}", "{package}.*"]),
    include_package_data=True,
    description="Training application for Vertex AI, migrated from SageMaker by liftshift.",
)
'''

INIT_TEXT = (
    '"""Vertex AI trainer package (created by liftshift); run it as ``python -m {module}``."""\n'
)


def read_requirements(text: str) -> list[str]:
    """Requirement lines, without comments, blank lines and pip options (``-r``, ``--index``)."""
    found = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            found.append(line)
    return found


def _module_target(ctx: MigrationContext) -> str:
    return ctx.module.replace(".", "/") + ".py"


IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+(\w+)|import[ \t]+([\w., \t]+))", re.MULTILINE)


@functools.lru_cache(maxsize=8)
def imported_names(text: str) -> frozenset[str]:
    """Top-level names the text may import: a cheap over-approximation (it also sees imports in
    strings) used to decide whether parsing is needed at all. Cached: the trainer-file search,
    LS001 and LS007 each ask it of the same entry point text."""
    names: set[str] = set()
    for found in IMPORT_LINE.finditer(text):
        if found.group(1):
            names.add(found.group(1))
        else:
            for part in found.group(2).split(","):
                words = part.split()
                if words:
                    names.add(words[0].split(".")[0])
    return frozenset(names)


class _ImportedNames(cst.CSTVisitor):
    # a class of the module, not of the call: the walk tables are cached per visitor class
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.names.add(dotted_name(alias.name).split(".")[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and node.module is not None:
            self.names.add(dotted_name(node.module).split(".")[0])


def _top_level_imports(module: cst.Module) -> set[str]:
    collect = _ImportedNames()
    fast_visit(module, collect)
    return collect.names


def project_imports(tree: ProjectTree, path: str, source_dir: str, package: str):
    """The project modules ``path`` imports: name → files (parses only when the text hints so)."""
    text = tree.read(path) or ""
    if not _local_modules(tree, source_dir, imported_names(text) - {package}):
        return {}
    try:
        module = tree.module(path)
    except cst.ParserSyntaxError:
        return {}
    names = _top_level_imports(module) if module is not None else set()
    return _local_modules(tree, source_dir, names - {package})


def _local_modules(tree: ProjectTree, source_dir: str, names: set[str]) -> dict[str, list[str]]:
    """Imported names that are project files: name → the files that make it up."""
    found: dict[str, list[str]] = {}
    prefix = "" if source_dir in ("", ".") else source_dir.rstrip("/") + "/"
    for name in names:
        single = f"{prefix}{name}.py"
        if tree.exists(single):
            found[name] = [single]
            continue
        folder = f"{prefix}{name}/"
        members = sorted(p for p in tree.existing if p.startswith(folder) and tree.exists(p))
        if any(p.endswith(".py") for p in members):
            found[name] = [p for p in members if "/__pycache__/" not in p]
    return found


class _Relativise(cst.CSTTransformer):
    """Turn imports of the moved sibling modules into relative imports."""

    def __init__(self, local: set[str], depth: int) -> None:
        super().__init__()
        self.local = local
        self.dots = [cst.Dot() for _ in range(depth + 1)]
        self.changed = False

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        body: list[cst.BaseSmallStatement] = []
        changed = False
        todos: list[str] = []
        for small in updated_node.body:
            replaced = self._replace(small, todos)
            changed = changed or replaced is not None
            body.extend(replaced if replaced is not None else [small])
        if not changed:
            return updated_node
        if len(body) > 1:
            body = [
                item.with_changes(
                    semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))
                )
                if index < len(body) - 1
                else item.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                for index, item in enumerate(body)
            ]
        statement: cst.BaseStatement = updated_node.with_changes(body=body)
        for message in todos:
            statement = add_todo(statement, CODE, message)  # type: ignore[assignment]
        return statement

    def _replace(
        self, small: cst.BaseSmallStatement, todos: list[str]
    ) -> list[cst.BaseSmallStatement] | None:
        if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
            dotted = bare_code(small.module)
            if dotted.split(".")[0] not in self.local:
                return None
            self.changed = True
            return [small.with_changes(relative=self.dots, module=small.module)]
        if not isinstance(small, cst.Import):
            return None
        keep: list[cst.ImportAlias] = []
        new: list[cst.BaseSmallStatement] = []
        for alias in small.names:
            dotted = bare_code(alias.name)
            head, _, rest = dotted.partition(".")
            if head not in self.local:
                keep.append(alias)
                continue
            if rest and alias.asname is None:
                todos.append(
                    f"`import {dotted}` became `from . import {head}`; make sure {head} "
                    f"imports {rest} itself"
                )
                name: cst.BaseExpression = cst.Name(head)
                module = None
                asname = None
            elif rest:
                parent, _, leaf = dotted.rpartition(".")
                module = cst.parse_expression(parent)
                name = cst.Name(leaf)
                asname = alias.asname
            else:
                module, name, asname = None, cst.Name(head), alias.asname
            new.append(
                cst.ImportFrom(
                    module=module,  # type: ignore[arg-type]
                    names=[cst.ImportAlias(name=name, asname=asname)],  # type: ignore[arg-type]
                    relative=self.dots,
                )
            )
        if not new:
            return None
        self.changed = True
        if keep:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return [small.with_changes(names=keep), *new]
        return new


def transform_project(tree: ProjectTree, ctx: MigrationContext) -> None:
    target = _module_target(ctx)
    package = ctx.package
    entry = tree.entry
    if not entry or entry == target or not tree.exists(entry):
        return
    if any(path.startswith(package + "/") and tree.exists(path) for path in tree.existing):
        tree.notes.append(
            (
                f"{package}/",
                0,
                CODE,
                f"a {package}/ folder already exists; the entry point was "
                "not moved: make it a package Vertex AI can run and set plan.code.module",
            )
        )
        return
    source_dir = posixpath.dirname(entry)
    moves: dict[str, str] = {entry: target}
    local_names: set[str] = set()
    pending = [entry]
    seen: set[str] = set()
    while pending:
        path = pending.pop()
        if path in seen or not path.endswith(".py"):
            continue
        seen.add(path)
        found = project_imports(tree, path, source_dir, package)
        for name, files in found.items():
            if name in local_names:
                continue
            local_names.add(name)
            for file in files:
                relative = posixpath.relpath(file, source_dir or ".")
                moves[file] = f"{package}/{relative}"
                pending.append(file)
    unreadable = [old for old in moves if tree.read(old) is None]
    if unreadable:
        tree.notes.append(
            (
                unreadable[0],
                0,
                CODE,
                "not UTF-8 text: the trainer package was not made, since "
                "this file would have to move with the entry point",
            )
        )
        return
    for old, new in moves.items():
        tree.move(old, new)
        if new.endswith(".py") and new not in tree.trainer_files:
            tree.trainer_files.append(new)
        if new.endswith(".py"):
            relativise(tree, new, local_names)
    folders = {posixpath.dirname(new) for new in moves.values() if new.endswith(".py")}
    _ensure_inits(tree, folders, ctx.module)
    _build_file(tree, ctx, source_dir)


def relativise(tree: ProjectTree, path: str, local: set[str]) -> None:
    """Imports of the project modules ``local`` in ``path`` become relative (LS007 uses it
    for the handler module it moves in)."""
    text = tree.read(path)
    if text is None or not local:
        return
    if not imported_names(text) & local:
        return
    try:
        module = tree.module(path)
    except cst.ParserSyntaxError:
        return  # reported by the file rules
    depth = path.count("/") - 1
    rewrite = _Relativise(local, depth)
    result = fast_visit(module, rewrite)  # type: ignore[arg-type]
    if rewrite.changed:
        tree.write_module(path, result)


def _ensure_inits(tree: ProjectTree, folders: set[str], module: str) -> None:
    """Every moved folder must be a regular package, or find_packages() leaves it out."""
    for folder in sorted(folders):
        init = f"{folder}/__init__.py"
        if not tree.exists(init):
            tree.write(init, INIT_TEXT.format(module=module) if "/" not in folder else "")


def _build_file(tree: ProjectTree, ctx: MigrationContext, source_dir: str) -> None:
    for existing in ("setup.py", "pyproject.toml"):
        if tree.exists(existing):
            message = (
                f"the project already has {existing}; liftshift left it alone: make sure it "
                f"builds the {ctx.package} package (find_packages(include=['{ctx.package}', "
                f"'{ctx.package}.*'])) with the requirements the trainer needs"
            )
            tree.notes.append((existing, 1, CODE, message))
            init = f"{ctx.package}/__init__.py"
            text = tree.read(init) or ""
            line = f"{TODO_PREFIX} {CODE}: {message}\n"
            if line not in text:
                tree.write(init, text + line)
            return
    requirements: list[str] = []
    for candidate in (posixpath.join(source_dir, "requirements.txt"), "requirements.txt"):
        text = tree.read(candidate.lstrip("./")) if tree.exists(candidate.lstrip("./")) else None
        if text is not None:
            requirements = read_requirements(text)
            break
    else:  # no requirements file: the distributions the plan derived from the imports
        code = getattr(ctx.plan, "code", None)
        requirements = list(getattr(code, "install_requires", []) or [])
    listing = "[" + ", ".join(f'"{item}"' for item in requirements) + "]"
    if len(listing) > 70:
        listing = "[\n" + "".join(f'    "{item}",\n' for item in requirements) + "]"
    tree.write("setup.py", SETUP_TEMPLATE.format(requirements=listing, package=ctx.package))


RULE = Rule(
    code=CODE,
    name="package-module",
    description="The entry point becomes trainer/task.py in a package with a setup.py.",
    docs=__doc__ or "",
    transform_project=transform_project,
)
