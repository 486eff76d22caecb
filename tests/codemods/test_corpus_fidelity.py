"""Issue 11 over the whole trainer corpus (tests/corpus): after one migration no SageMaker-only
import is left without a TODO, the flags the backends pass are parsed (no LS000 error), and
every model save either has a served name, is a SavedModel at the folder root, or is tagged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from liftshift.codemods.smimports import SAGEMAKER_ONLY
from liftshift.migrator.migrate import migrate_project
from tests.migrate.test_corpus import CORPUS, SCRIPTS, UNPARSEABLE, plan_for

SAVES = re.compile(
    r"(?<!json)\.dump\(|save_model\(|torch\.save|saved_model\.save|(?<!np)\.save\(|save_pretrained"
)
SERVED = re.compile(r"model\.(joblib|pkl|bst)")
TENSORFLOW = re.compile(r"^(import|from) (tensorflow|keras)\b", re.MULTILINE)


def _todo_above(lines: list[str], index: int) -> bool:
    above = lines[max(0, index - 4) : index]
    return any("TODO(liftshift)" in line for line in above)


def servable_or_tagged(code: str) -> bool:
    """A file that saves something saves what a prebuilt container serves, or says why not."""
    if not SAVES.search(code):
        return True
    if SERVED.search(code) or "TODO(liftshift): LS005" in code:
        return True
    return TENSORFLOW.search(code) is not None


@pytest.mark.parametrize("name", [name for name in SCRIPTS if name not in UNPARSEABLE])
def test_corpus_fidelity(name: str, tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(CORPUS / name, root / name)
    result = migrate_project(root, plan=plan_for(root / name), launchers=[])
    assert not result.errors, result.errors
    task = result.changeset.get("trainer/task.py")
    assert task is not None
    lines = task.after.split("\n")
    for index, line in enumerate(lines):
        if SAGEMAKER_ONLY.match(line) and not line.startswith((" ", "\t")):
            assert _todo_above(lines, index), f"untagged SageMaker-only import: {line}"
    assert servable_or_tagged(task.after), "a model save neither served nor tagged"
