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


class Scrambler(cst.CSTTransformer):
    """Renames, removes, flattens and skips, depending on what it has seen so far."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, str]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.log.append(("def", node.name.value))
        return len(self.log) % 4 != 0

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self.log.append(("name", original_node.value))
        if len(updated_node.value) % 3 == 0:
            return updated_node.with_changes(value=updated_node.value + "_x")
        return updated_node

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr):
        if isinstance(updated_node.value, cst.Call) and len(self.log) % 5 == 0:
            return cst.RemovalSentinel.REMOVE
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign):
        if len(self.log) % 7 == 0:
            return cst.FlattenSentinel([updated_node, updated_node.deep_clone()])
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg):
        return cst.RemovalSentinel.REMOVE if len(self.log) % 11 == 0 else updated_node


def test_transform_walk_matches_libcst():
    for path in CORPUS:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        theirs, ours = Scrambler(), Scrambler()
        expected = module.visit(theirs)
        result = fast_visit(module, ours)
        assert result.code == expected.code, path.name
        assert ours.log == theirs.log, path.name


def test_transform_walk_keeps_untouched_nodes():
    module = cst.parse_module("x = f(1)\nprint('a')\n")

    class Nothing(cst.CSTTransformer):
        def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
            return updated_node

    assert fast_visit(module, Nothing()) is module


def test_walks_fall_back_to_libcst_when_child_order_is_unknown(monkeypatch):
    from liftshift.codemods import passes

    monkeypatch.setattr(passes, "_child_kinds", lambda node_type: None)
    test_transform_walk_matches_libcst()
    test_read_only_walk_matches_libcst(NODE_TYPES)


def test_walk_tables_do_not_grow_with_each_file(tmp_path: Path) -> None:
    """The walk tables are cached per set of visitor classes: a visitor class made anew at each
    call would add an entry per file, for ever, in a long-running app."""
    from liftshift.codemods import passes
    from liftshift.foundation.plan import save_plan
    from liftshift.migrator.migrate import migrate_project
    from liftshift.migrator.planner import propose
    from liftshift.scan import scan_project

    source = (Path(__file__).parents[1] / "corpus" / "pattern_sagemaker_imports.py").read_text()
    (tmp_path / "train.py").write_text(source, encoding="utf-8")
    save_plan(propose(scan_project(tmp_path)).plan, tmp_path)
    migrate_project(tmp_path)
    tables = passes._walk_tables.cache_info().currsize, passes._hooked_types.cache_info().currsize
    migrate_project(tmp_path)
    after = passes._walk_tables.cache_info().currsize, passes._hooked_types.cache_info().currsize
    assert after == tables
