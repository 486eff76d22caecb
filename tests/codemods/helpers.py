"""Before/after assertions for file rules, in the spirit of libcst's ``CodemodTest``."""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Callable
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


@functools.cache
def corpus_sources() -> tuple[str, ...]:
    """The text of every Python file of the trainer corpus (tests/corpus): real code to check a
    fast search against the pattern it stands for (read once per test process)."""
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    return tuple(path.read_text(encoding="utf-8") for path in sorted(corpus.rglob("*.py")))


def assert_finds_what_the_pattern_finds(
    search: Callable[[str], list[str]], pattern: re.Pattern[str], edge_cases: list[str]
) -> None:
    """``search`` gives exactly ``pattern.findall`` on every corpus file and on ``edge_cases``,
    and the pattern does match somewhere (an equivalence over no matches proves nothing)."""
    texts = [*corpus_sources(), *edge_cases]
    assert any(pattern.findall(text) for text in texts)
    for text in texts:
        assert search(text) == pattern.findall(text), text[:200]
