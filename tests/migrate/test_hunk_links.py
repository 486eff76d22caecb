"""Hunks that depend on each other (issue 11, item 7): a new argparse dest and its uses are
linked in review, and writing a selection that leaves an ``args.<name>`` undeclared is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from liftshift.migrator.changes import ChangeError, FileChange
from liftshift.migrator.hunk_links import declared_dests, undefined_reads
from liftshift.migrator.migrate import migrate_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILLER = "".join(f"x{n} = {n}\n" for n in range(10))
BEFORE = (
    "import argparse\n\nparser = argparse.ArgumentParser()\n"
    'parser.add_argument("--model-dir", default="m")\n'
    "args = parser.parse_args()\n" + FILLER + "print(args.model_dir)\n" + FILLER + "done = 1\n"
)
AFTER = (
    BEFORE.replace('"--model-dir", default="m"', '"--job-dir", dest="job_dir"')
    .replace("print(args.model_dir)", "print(args.job_dir)")
    .replace("done = 1", "done = 2")
)


def test_a_new_dest_and_its_uses_are_linked_and_other_hunks_are_not() -> None:
    change = FileChange("modify", "trainer/task.py", BEFORE, AFTER)
    declaration, use, unrelated = change.hunks
    assert change.linked(declaration) == [declaration, use]
    assert change.linked(unrelated) == [unrelated]
    change.set_hunk(use, False)  # rejecting the use rejects the declaration too
    assert not declaration.accepted and not use.accepted and unrelated.accepted
    change.validate()  # consistent: the old flag and its old use
    change.set_hunk(declaration, True)
    assert use.accepted


def test_a_partial_selection_that_leaves_a_name_undefined_is_refused() -> None:
    change = FileChange("modify", "trainer/task.py", BEFORE, AFTER)
    change.hunks[1].accepted = False  # bypassing the links, as a script could
    with pytest.raises(ChangeError, match=r"read args\.model_dir, which a rejected hunk"):
        change.validate()
    change.hunks[0].accepted = False
    change.validate()


def test_what_the_original_already_left_undefined_is_not_blamed_on_the_review() -> None:
    before = BEFORE.replace("print(args.model_dir)", "print(args.model_dir, args.never)")
    after = AFTER.replace("print(args.job_dir)", "print(args.job_dir, args.never)")
    change = FileChange("modify", "t.py", before, after)
    change.hunks[2].accepted = False
    change.validate()


def test_dests_and_reads_through_a_parse_function_and_an_alias() -> None:
    text = (
        "import argparse\n\n\ndef parse_args():\n    p = argparse.ArgumentParser()\n"
        "    aa = p.add_argument\n    aa('--lr', type=float)\n"
        "    p.add_argument(\n        '--train-dir',\n        '--train',\n    )\n"
        "    return p.parse_known_args()[0]\n\n\nargs = parse_args()\n"
        "print(args.lr, args.train_dir, args.epochs)\n"
    )
    assert declared_dests(text) == {"lr", "train_dir"}
    assert undefined_reads(text) == {"epochs"}


def test_the_titanic_model_dir_change_is_linked(tmp_path: Path) -> None:
    root = tmp_path / "titanic"
    shutil.copytree(EXAMPLES / "titanic-sklearn", root)
    change = migrate_project(root).changeset.get("trainer/train.py")
    assert change is not None
    linked = [hunk for hunk in change.hunks if len(change.linked(hunk)) > 1]
    texts = ["".join(hunk.lines) for hunk in linked]
    assert len(linked) == 2
    assert '"--job-dir"' in texts[0] and "args.job_dir" in texts[1]
