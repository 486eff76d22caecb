"""The corpus report (tests/corpus, scored by tests/migrate/corpus_report.py): hard guarantees
for every project, and the counts pinned at their current values so a regression fails.

When a change improves a count, raise it in EXPECTED (and say so in the commit); when a
project in KNOWN_BREAKS is fixed, remove it. `python scripts/corpus_report.py` prints the table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.migrate.corpus_report import CHECKS, corpus_projects, counts, evaluate, table

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


@pytest.mark.slow
def test_corpus_report(tmp_path: Path) -> None:
    outcomes = [evaluate(project, tmp_path) for project in corpus_projects()]
    print("\n" + table(outcomes))
    assert len(outcomes) >= 100
    for outcome in outcomes:
        if outcome.name in KNOWN_BREAKS:
            continue
        assert not outcome.crash, f"{outcome.name}: {outcome.crash}"
        if outcome.name in REFUSED:
            assert outcome.refused and "\n" not in outcome.refused
            continue
        assert not outcome.refused, f"{outcome.name}: {outcome.refused}"
        assert outcome.passed["parses"], f"{outcome.name}: {outcome.problems}"
        assert outcome.passed["idempotent"], f"{outcome.name}: {outcome.problems}"
    assert counts(outcomes) == EXPECTED, table(outcomes)


def test_manifest_names_existing_entry_points() -> None:
    for project in corpus_projects():
        base = Path(__file__).resolve().parents[1] / "corpus"
        root = base / project.name if project.single_file else base / project.name / project.root
        path = root if project.single_file else root / project.entry_point
        assert path.is_file(), f"{project.name}: {project.entry_point} is not in the corpus"
    assert set(CHECKS) == set(EXPECTED)
