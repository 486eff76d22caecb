"""Argument-parser aliases spelled out: ``aa = parser.add_argument`` then ``aa("--train", …)``.

Every rule that reads or changes a script's flags (LS002's ``--job-dir``, LS003's channel
flags, the post-rules flags check) looks for ``<parser>.add_argument(...)`` calls. A script that
declares its flags through an alias would keep its own ``--dataset_path`` while the backend
passes ``--training`` and ``--job-dir``, which ``parse_args`` then rejects. The migration runs
this step on each trainer file before the rules: each call of an alias becomes
``parser.add_argument(...)`` and the alias line goes. It changes nothing when there is no alias
(or when the alias is assigned more than once or used other than called: it cannot be
followed statically).
"""

from __future__ import annotations

import re

import libcst as cst

from liftshift.codemods.passes import fast_visit

ALIAS_TEXT = re.compile(r"^[ \t]*\w+[ \t]*=[ \t]*\w+\.add_argument[ \t]*(?:#.*)?$", re.MULTILINE)


class _Aliases(cst.CSTVisitor):
    """``alias = parser.add_argument`` assignments, and how often each name is assigned."""

    def __init__(self) -> None:
        self.parser_of: dict[str, str] = {}
        self.assigned: dict[str, int] = {}
        self.mentions: dict[str, int] = {}
        self.calls: dict[str, int] = {}

    def visit_Name(self, node: cst.Name) -> None:
        self.mentions[node.value] = self.mentions.get(node.value, 0) + 1

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.calls[node.func.value] = self.calls.get(node.func.value, 0) + 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self.assigned[name] = self.assigned.get(name, 0) + 1
        value = node.value
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
            and isinstance(value, cst.Attribute)
            and value.attr.value == "add_argument"
            and isinstance(value.value, cst.Name)
        ):
            self.parser_of[node.targets[0].target.value] = value.value.value


class _SpellOut(cst.CSTTransformer):
    def __init__(self, parser_of: dict[str, str]) -> None:
        super().__init__()
        self.parser_of = parser_of

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = original_node.func
        if isinstance(func, cst.Name) and func.value in self.parser_of:
            method = cst.Attribute(cst.Name(self.parser_of[func.value]), cst.Name("add_argument"))
            return updated_node.with_changes(func=method)
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        small = original_node.body
        if (
            len(small) == 1
            and isinstance(small[0], cst.Assign)
            and isinstance(small[0].targets[0].target, cst.Name)
            and small[0].targets[0].target.value in self.parser_of
        ):
            return cst.RemoveFromParent()
        return updated_node


def without_argument_aliases(module: cst.Module, source: str) -> cst.Module:
    """``module`` with its ``add_argument`` aliases spelled out; ``module`` itself if none."""
    if ALIAS_TEXT.search(source) is None:
        return module
    found = _Aliases()
    fast_visit(module, found)
    followed = {
        alias: parser
        for alias, parser in found.parser_of.items()
        if found.assigned.get(alias) == 1
        and found.mentions.get(alias, 0) == 1 + found.calls.get(alias, 0)
    }
    if not followed:
        return module
    return fast_visit(module, _SpellOut(followed))  # type: ignore[return-value]
