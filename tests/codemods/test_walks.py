"""The pipeline's own walks (passes.fast_visit) must see exactly what libcst's walk sees, in
the same order: rules depend on visiting imports before the calls that use them."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest

from liftshift.codemods.passes import fast_visit

CORPUS = sorted(
    path
    for path in (Path(__file__).parents[1] / "corpus").glob("*.py")
    if path.name != "broken_syntax.py"
)
NODE_TYPES = [
    name
    for name in dir(cst)
    if isinstance(getattr(cst, name), type)
    and issubclass(getattr(cst, name), cst.CSTNode)
    and not inspect.isabstract(getattr(cst, name))
]


def recorder(names: list[str]) -> tuple[cst.CSTVisitor, list[tuple[str, str, int]]]:
    log: list[tuple[str, str, int]] = []

    def hook(kind: str, name: str):
        return lambda self, node: log.append((kind, name, id(node)))

    methods = {}
    for name in names:
        methods[f"visit_{name}"] = hook("visit", name)
        methods[f"leave_{name}"] = hook("leave", name)
    return type("Recorder", (cst.CSTVisitor,), methods)(), log


@pytest.mark.parametrize(
    "hooked",
    [NODE_TYPES, ["Call", "SimpleString", "Import", "ImportFrom"], ["SimpleStatementLine"]],
    ids=["every-node", "expressions", "statements"],
)
def test_read_only_walk_matches_libcst(hooked):
    for path in CORPUS:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        visitor, log = recorder(hooked)
        module.visit(visitor)
        expected = list(log)
        log.clear()
        assert fast_visit(module, visitor) is module
        assert log == expected, path.name
