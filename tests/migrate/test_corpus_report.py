"""The corpus report (tests/corpus, scored by tests/migrate/corpus_report.py): hard guarantees
for every project, and the counts pinned at their current values so a regression fails.

When a change improves a count, raise it in EXPECTED (and say so in the commit); when a
project in KNOWN_BREAKS is fixed, remove it. `python scripts/corpus_report.py` prints the table.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from pathlib import Path

import pytest

from tests.migrate.corpus_report import (
    CHECKS,
    Outcome,
    corpus_projects,
    counts,
    evaluate,
    table,
)

EXPECTED = {
    "entry": 116,
    "parses": 115,
    "idempotent": 115,
    "tagged": 115,
    "flags": 115,
    "servable": 115,
    "replan": 115,
}
"""Projects passing each check (of len(corpus_projects())); the one place to update."""

KNOWN_BREAKS: dict[str, str] = {}
"""Projects where a hard guarantee fails today, with why (issue #11 items 2-6 fix them)."""

REFUSED = {"broken_syntax.py", "syn_legacy_tf_estimator_fn"}
"""Projects liftshift rightly refuses with a one-line message (the trainer does not parse; a
legacy TensorFlow module that defines estimator_fn/train_input_fn and runs nothing)."""


PARTS = 6
"""The corpus is judged in this many parts, each its own test, so that pytest-xdist's workers
share the work (about 25 CPU-s) instead of one worker being left with all of it at the end."""


def part_outcomes(part: int, tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    """The outcomes of every PARTS-th project from ``part``, judged once per test run by
    whichever test asks first: the workers of one run share them in a file behind a lock
    (pytest-xdist's recipe for session-wide work), so no project is migrated twice."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers
    folder = base / "corpus-report"
    folder.mkdir(exist_ok=True)
    stored = folder / f"part-{part}.json"
    with (folder / f"part-{part}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stored.is_file():
            return [Outcome(**fields) for fields in json.loads(stored.read_text())]
        workdir = tmp_path_factory.mktemp(f"corpus-part-{part}")
        outcomes = [evaluate(project, workdir) for project in corpus_projects()[part::PARTS]]
        partial = stored.with_suffix(".tmp")
        partial.write_text(json.dumps([dataclasses.asdict(outcome) for outcome in outcomes]))
        partial.replace(stored)
        return outcomes


def assert_hard_guarantees(outcome: Outcome) -> None:
    if outcome.name in KNOWN_BREAKS:
        return
    assert not outcome.crash, f"{outcome.name}: {outcome.crash}"
    if outcome.name in REFUSED:
        assert outcome.refused and "\n" not in outcome.refused
        return
    assert not outcome.refused, f"{outcome.name}: {outcome.refused}"
    assert outcome.passed["parses"], f"{outcome.name}: {outcome.problems}"
    assert outcome.passed["idempotent"], f"{outcome.name}: {outcome.problems}"


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
def test_corpus_part_keeps_the_hard_guarantees(
    part: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for outcome in part_outcomes(part, tmp_path_factory):
        assert_hard_guarantees(outcome)


@pytest.mark.slow
def test_corpus_report(tmp_path_factory: pytest.TempPathFactory) -> None:
    judged = {
        outcome.name: outcome
        for part in range(PARTS)
        for outcome in part_outcomes(part, tmp_path_factory)
    }
    outcomes = [judged[project.name] for project in corpus_projects()]
    print("\n" + table(outcomes))
    assert len(outcomes) >= 100
    for outcome in outcomes:
        assert_hard_guarantees(outcome)
    assert counts(outcomes) == EXPECTED, table(outcomes)


def test_manifest_names_existing_entry_points() -> None:
    for project in corpus_projects():
        base = Path(__file__).resolve().parents[1] / "corpus"
        root = base / project.name if project.single_file else base / project.name / project.root
        path = root if project.single_file else root / project.entry_point
        assert path.is_file(), f"{project.name}: {project.entry_point} is not in the corpus"
    assert set(CHECKS) == set(EXPECTED)
