"""Printing a migrated module: libcst's own code generation, one top-level statement at a time,
so the text of a statement that was printed before is not generated again.

The helpers liftshift inserts (``_liftshift_path`` and friends) are the same few statement
objects in every migrated file, and often most of what a migration adds to it: printing them
again for each file cost about as much as printing the user's own code. A statement marked with
:func:`reused` is printed once per file layout (indent and newline style, the only module
settings a top-level statement's text depends on). Likewise, a file printed a second time in
one run (LS007 drops a TODO from two handlers of a module the file rules printed) reuses the
text of every statement object that is still there. Statements are immutable and the texts are
kept with the very object they were printed from, so a text cannot go out of date.

The printing itself is libcst's, with a code generation state that skips the bookkeeping of
node positions (which nothing here reads): about 30% less time for the same text.
"""

from __future__ import annotations

import contextlib
from typing import TypeVar

import libcst as cst
from libcst._nodes.internal import CodegenState

_Statement = TypeVar("_Statement", bound=cst.BaseStatement)

Printed = dict[int, tuple[cst.CSTNode, tuple[str, str], str]]
"""id → (the statement itself, the layout it was printed in, its text)."""

_REUSED: dict[int, tuple[cst.BaseStatement, dict[tuple[str, str], str]]] = {}
"""id → (the statement itself, its text by layout)."""


class _PlainState(CodegenState):
    """libcst's code generation state without the position bookkeeping: every node's codegen
    enters ``record_syntactic_position``, a generator-based context manager that only the
    position providers use (they override it, like this class); here it is a shared no-op
    context. The tokens, hence the text, are the same."""

    __slots__ = ()

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> contextlib.nullcontext[None]:
        return _NO_POSITION


_NO_POSITION = contextlib.nullcontext()


def node_code(module: cst.Module, node: cst.CSTNode) -> str:
    """Exactly ``module.code_for_node(node)``, without the position bookkeeping."""
    state = _PlainState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    node._codegen(state)
    return "".join(state.tokens)


_BARE = cst.Module(body=[])


def bare_code(node: cst.CSTNode) -> str:
    """Exactly ``cst.Module(body=[]).code_for_node(node)``: the text of a node on its own."""
    return node_code(_BARE, node)


def reused(statement: _Statement) -> _Statement:
    """Mark ``statement`` (one object put into many modules as it is) for :func:`module_code`."""
    _REUSED.setdefault(id(statement), (statement, {}))
    return statement


def module_code(module: cst.Module, printed: Printed | None = None) -> str:
    """Exactly ``module.code``: a module's text is its header lines, its statements and its
    footer lines, each printed on its own at the top level, one after the other. ``printed``
    holds the statements printed before (in this run) and gets this module's."""
    if not module.has_trailing_newline:
        return module.code
    layout = (module.default_indent, module.default_newline)
    parts = [node_code(module, line) for line in module.header]
    for statement in module.body:
        known = _REUSED.get(id(statement))
        if known is not None and known[0] is statement:
            text = known[1].get(layout)
            if text is None:
                text = known[1][layout] = node_code(module, statement)
            parts.append(text)
            continue
        earlier = printed.get(id(statement)) if printed is not None else None
        if earlier is not None and earlier[0] is statement and earlier[1] == layout:
            parts.append(earlier[2])
            continue
        text = node_code(module, statement)
        if printed is not None:
            printed[id(statement)] = (statement, layout, text)
        parts.append(text)
    parts.extend(node_code(module, line) for line in module.footer)
    return "".join(parts)
