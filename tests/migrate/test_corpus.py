"""The realistic trainer corpus (tests/corpus): every script migrates without a crash, every
output parses, a second run changes nothing, and no SageMaker read is left without a TODO."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from liftshift.foundation.plan import ChannelPlan, Plan
from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.migrate import migrate_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SCRIPTS = sorted(path.name for path in CORPUS.glob("*.py"))
UNPARSEABLE = {"broken_syntax.py"}
SAGEMAKER_TEXT = re.compile(r"\bSM_[A-Z]|/opt/ml")


def plan_for(script: Path) -> Plan:
    plan = Plan()
    plan.code.entry_point = script.name
    names = sorted(set(re.findall(r"SM_CHANNEL_([A-Z_]+)\b", script.read_text(encoding="utf-8"))))
    plan.data.channels = [
        ChannelPlan(name=name.lower(), destination=f"gs://bucket/{name.lower()}") for name in names
    ]
    return plan


def untodone_reads(code: str) -> list[int]:
    """Lines of string literals naming SM_* or /opt/ml whose statement carries no TODO."""
    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    lines = code.split("\n")
    missing: list[int] = []

    class _Find(cst.CSTVisitor):
        def __init__(self) -> None:
            self.statements: list[cst.CSTNode] = []

        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            self.statements.append(node)

        def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
            self.statements.pop()

        def visit_Expr(self, node: cst.Expr) -> bool:
            return not isinstance(node.value, cst.SimpleString)  # docstrings are prose

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            self._check(node)

        def visit_FormattedString(self, node: cst.FormattedString) -> None:
            self._check(node)

        def _check(self, node: cst.CSTNode) -> None:
            text = cst.Module(body=[]).code_for_node(node)
            if not SAGEMAKER_TEXT.search(text) or not self.statements:
                return
            start = positions[self.statements[-1]].start.line
            window = lines[max(0, start - 12) : positions[node].start.line]
            if not any("TODO(liftshift)" in line for line in window):
                missing.append(positions[node].start.line)

    wrapper.visit(_Find())
    return missing


@pytest.mark.parametrize("name", SCRIPTS)
def test_corpus_script(name: str, tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(CORPUS / name, root / name)
    plan = plan_for(root / name)
    result = migrate_project(root, plan=plan, launchers=[])
    if name in UNPARSEABLE:
        assert [entry.rule for entry in result.errors] == ["LS000"]
        return
    assert not result.errors, result.errors
    for change in result.changeset:
        text = change.result()
        if text is not None and change.path.endswith(".py"):
            cst.parse_module(text)
    task = result.changeset.get("trainer/task.py")
    assert task is not None and task.old_path == name
    assert untodone_reads(task.after) == [], task.after
    for entry in result.entries:
        assert entry.severity in ("todo", "note") and entry.message
    apply_changeset(result.changeset, root)
    again = migrate_project(root, plan=plan, launchers=[])
    assert not again.changeset, again.changeset.diff()
