"""Print how liftshift does on the trainer corpus (tests/corpus): one line per project and the
counts (right entry point, parses, idempotent, SageMaker-only imports tagged, flags consistent,
servable artifact).

    python scripts/corpus_report.py [NAME ...]

The checks live in tests/migrate/corpus_report.py; tests/migrate/test_corpus_report.py pins the
counts so a regression fails.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.migrate.corpus_report import corpus_projects, evaluate, table  # noqa: E402


def main(names: list[str]) -> int:
    projects = [p for p in corpus_projects() if not names or p.name in names]
    with tempfile.TemporaryDirectory() as folder:
        outcomes = [evaluate(project, Path(folder)) for project in projects]
    print(table(outcomes))
    return 1 if any(outcome.crash for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
