"""Before/after assertions for file rules, in the spirit of libcst's ``CodemodTest``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from liftshift.codemods.base import ChannelSpec, FileContext, MigrationContext, Rule


def context(**overrides: object) -> MigrationContext:
    defaults: dict[str, object] = {
        "entry_point": "train.py",
        "channels": [ChannelSpec("train", "--train"), ChannelSpec("test", "--test")],
    }
    defaults.update(overrides)
    return MigrationContext(**defaults)  # type: ignore[arg-type]


def run(rule: Rule, source: str, ctx: MigrationContext | None = None, *, entry: bool = True) -> str:
    assert rule.transform_file is not None
    fctx = FileContext("train.py", entry, ctx or context())
    return rule.transform_file(cst.parse_module(source), fctx).code


def assert_codemod(
    rule: Rule,
    before: str,
    after: str,
    ctx: MigrationContext | None = None,
    *,
    dedent: bool = True,
    entry: bool = True,
) -> None:
    """``before`` becomes ``after``, and running the rule again changes nothing."""
    if dedent:
        before, after = textwrap.dedent(before), textwrap.dedent(after)
    ctx = ctx or context()
    once = run(rule, before, ctx, entry=entry)
    assert once == after, f"--- got ---\n{once}"
    cst.parse_module(once)
    assert run(rule, once, ctx, entry=entry) == once, "not idempotent"


def helpers_free(code: str) -> str:
    """The code without the inserted ``_liftshift_*`` helper definitions (for short asserts)."""
    module = cst.parse_module(code)
    body = [
        statement
        for statement in module.body
        if not (
            isinstance(statement, cst.FunctionDef)
            and statement.name.value.startswith("_liftshift_")
        )
    ]
    return module.with_changes(body=body).code


def corpus_sources() -> list[str]:
    """The text of every Python file of the trainer corpus (tests/corpus): real code to check a
    fast search against the pattern it stands for."""
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    return [path.read_text(encoding="utf-8") for path in sorted(corpus.rglob("*.py"))]
