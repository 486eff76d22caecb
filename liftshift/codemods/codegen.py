"""Printing a migrated module: libcst's own code generation, with the text of liftshift's
inserted helper functions generated once instead of once per file.

The helpers (``_liftshift_path`` and friends) are the same few statement objects in every
migrated file, and they are often most of what a migration adds to it: printing them again for
each file cost about as much as printing the user's own code. A statement marked with
:func:`reused` is printed once per file layout (indent and newline style, the only module
settings its text depends on at the top level) and that text is used wherever the very same
object is a top-level statement of a module. The statement is immutable and kept alive here,
so its text cannot go out of date.
"""

from __future__ import annotations

from typing import TypeVar

import libcst as cst

_Statement = TypeVar("_Statement", bound=cst.BaseStatement)

_REUSED: dict[int, tuple[cst.BaseStatement, dict[tuple[str, str], str]]] = {}
"""id → (the statement itself, its text by (indent, newline))."""


def reused(statement: _Statement) -> _Statement:
    """Mark ``statement`` (one object put into many modules as it is) for :func:`module_code`."""
    _REUSED.setdefault(id(statement), (statement, {}))
    return statement


def module_code(module: cst.Module) -> str:
    """Exactly ``module.code``. A module's text is its header lines, its statements and its
    footer lines, each printed on its own at the top level, one after the other."""
    if not module.has_trailing_newline or not any(id(s) in _REUSED for s in module.body):
        return module.code
    parts = [module.code_for_node(line) for line in module.header]
    layout = (module.default_indent, module.default_newline)
    for statement in module.body:
        known = _REUSED.get(id(statement))
        if known is None or known[0] is not statement:
            parts.append(module.code_for_node(statement))
            continue
        text = known[1].get(layout)
        if text is None:
            text = known[1][layout] = module.code_for_node(statement)
        parts.append(text)
    parts.extend(module.code_for_node(line) for line in module.footer)
    return "".join(parts)
