"""Hunks that only make sense together, and partial selections that would break the trainer.

The codemods often change an argparse declaration in one hunk and its uses in another: LS002
replaces ``--model-dir`` with ``--job-dir`` (dest ``job_dir``) near the top and ``args.model_dir``
with ``args.job_dir`` further down. Accepting one without the other leaves ``args.job_dir`` (or
``args.model_dir``) undefined: the job dies with ``AttributeError`` after the data is loaded.
So such hunks are linked (the review toggles them together), and a selection that still leaves
an ``args.<name>`` read without its declaration is refused before anything is written.
"""

from __future__ import annotations

import ast
import re
from typing import Protocol

DECLARATION = re.compile(
    r"(?P<call>\w+)\(\s*(?P<flags>(?:[\"']-{1,2}[\w.-]+[\"']\s*,\s*)*[\"']-{1,2}[\w.-]+[\"'])"
    r"(?P<rest>[^()]*(?:\([^()]*\)[^()]*)*)\)?",
    re.DOTALL,
)
ALIAS = re.compile(r"\b(\w+)\s*=\s*\w+\.add_argument\b")
FLAG = re.compile(r"[\"'](-{1,2}[\w.-]+)[\"']")
DEST = re.compile(r"\bdest\s*=\s*[\"'](\w+)[\"']")
PARSE_CALLS = {"parse_args", "parse_known_args"}


class HunkLike(Protocol):
    lines: list[str]


def declared_dests(text: str) -> set[str]:
    """``dest`` names the ``add_argument`` calls in ``text`` give (``--job-dir`` → job_dir)."""
    found: set[str] = set()
    calls = {"add_argument", *ALIAS.findall(text)}  # aa = parser.add_argument
    for match in DECLARATION.finditer(text):
        if match.group("call") not in calls:
            continue
        dest = DEST.search(match.group("rest"))
        if dest:
            found.add(dest.group(1))
            continue
        flags = FLAG.findall(match.group("flags"))
        longs = [flag for flag in flags if flag.startswith("--")]
        if flags:
            found.add((longs or flags)[0].lstrip("-").replace("-", "_"))
    return found


def _reads(text: str, names: set[str]) -> set[str]:
    """Attribute names read as ``<word>.<name>`` for each candidate name."""
    return {name for name in names if re.search(rf"\b\w+\.{re.escape(name)}\b", text)}


def link_groups(before: str, after: str, hunks: list[HunkLike]) -> list[list[int]]:
    """Groups (hunk indices, two or more) that declare a dest and read it, or drop both."""
    declared_before, declared_after = declared_dests(before), declared_dests(after)
    added = ["".join(line[1:] for line in hunk.lines if line.startswith("+")) for hunk in hunks]
    removed = ["".join(line[1:] for line in hunk.lines if line.startswith("-")) for hunk in hunks]
    new_names = declared_after - declared_before
    gone_names = declared_before - declared_after
    parent = list(range(len(hunks)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i in range(len(hunks)):
        declares = declared_dests(added[i]) & new_names
        drops = declared_dests(removed[i]) & gone_names
        for j in range(len(hunks)):
            if i == j:
                continue
            if (declares and _reads(added[j], declares)) or (drops and _reads(removed[j], drops)):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for index in range(len(hunks)):
        groups.setdefault(find(index), []).append(index)
    return [group for group in groups.values() if len(group) > 1]


def undefined_reads(text: str) -> set[str]:
    """``args.<name>`` reads with no ``add_argument`` giving that dest, where ``args`` is bound
    to ``parse_args()``/``parse_known_args()`` (empty when the file does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    namespaces: set[str] = set()
    parsers = _parsing_functions(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
            continue
        if not _is_parse_call(node.value, parsers):
            continue
        for target in node.targets:
            first = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
            if isinstance(first, ast.Name):
                namespaces.add(first.id)
    if not namespaces or "setattr" in text:
        return set()
    assigned = {
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in namespaces
    }
    reads = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Load)
        and isinstance(node.value, ast.Name)
        and node.value.id in namespaces
        and not node.attr.startswith("_")
    }
    return reads - declared_dests(text) - assigned


def _is_parse_call(call: ast.Call, parsers: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in PARSE_CALLS or func.attr in parsers
    return isinstance(func, ast.Name) and func.id in parsers


def _parsing_functions(tree: ast.AST) -> set[str]:
    """Functions that return the parsed namespace (``def parse_args(): return p.parse_args()``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            value = inner.value if isinstance(inner, ast.Return) else None
            if isinstance(value, ast.Subscript):  # return p.parse_known_args()[0]
                value = value.value
            if isinstance(value, ast.Call) and _is_parse_call(value, set()):
                found.add(node.name)
                break
    return found
