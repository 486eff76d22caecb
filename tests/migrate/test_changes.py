import subprocess

import pytest

from liftshift.migrator.changes import (
    ChangeError,
    ChangeSet,
    FileChange,
    apply_hunks,
    make_hunks,
    split_lines,
)

BEFORE = "".join(f"line {n}\n" for n in range(1, 31))
AFTER = BEFORE.replace("line 3\n", "line three\n").replace("line 25\n", "line 25\nextra\n")


def test_split_lines_like_git() -> None:
    assert split_lines("a\r\nb\nc") == ["a\r\n", "b\n", "c"]
    assert split_lines("") == []
    assert split_lines("x\u2028y\n") == ["x\u2028y\n"]  # only \n ends a line


def test_hunks_accept_and_reject_individually() -> None:
    hunks = make_hunks(BEFORE, AFTER)
    assert len(hunks) == 2
    assert hunks[0].header == "@@ -1,6 +1,6 @@"
    assert apply_hunks(BEFORE, hunks) == AFTER
    hunks[0].accepted = False
    assert apply_hunks(BEFORE, hunks) == BEFORE.replace("line 25\n", "line 25\nextra\n")
    hunks[0].accepted, hunks[1].accepted = True, False
    assert apply_hunks(BEFORE, hunks) == BEFORE.replace("line 3\n", "line three\n")


def test_partial_review_is_reparsed_before_writing() -> None:
    before = "def f():\n    return 1\n" + "\n" * 8 + "x = 1\n"
    after = "def f():\n    return (1\n" + "\n" * 8 + "x = 1)\n"
    change = FileChange("modify", "a.py", before, after)
    assert len(change.hunks) == 2
    change.hunks[1].accepted = False
    with pytest.raises(ChangeError, match=r"a\.py"):
        change.validate()
    change.hunks[0].accepted = False
    change.validate()
    assert not change.is_effective


def test_rejecting_a_create_or_a_move() -> None:
    create = FileChange("create", "new.py", None, "x = 1\n")
    create.accepted = False
    assert not ChangeSet([create])
    assert create.diff() == ""


def test_patch_with_create_move_delete_crlf_and_no_final_newline(tmp_path) -> None:
    (tmp_path / "keep.py").write_bytes(b"a = 1\r\nb = 2\r\n")
    (tmp_path / "old.py").write_bytes(b"x = 1\ny = 2")
    (tmp_path / "gone.txt").write_bytes(b"bye\n")
    changes = ChangeSet(
        [
            FileChange("modify", "keep.py", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n"),
            FileChange("move", "pkg/new.py", "x = 1\ny = 2", "x = 1\ny = 3", old_path="old.py"),
            FileChange("create", "pkg/__init__.py", None, ""),
            FileChange("create", "pkg/data.txt", None, "no newline"),
            FileChange("delete", "gone.txt", "bye\n", None),
        ]
    )
    patch = changes.diff()
    assert "rename from old.py\nrename to pkg/new.py\n" in patch
    assert "new file mode 100644\n" in patch
    assert "\\ No newline at end of file\n" in patch
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "p.patch").write_text(patch, encoding="utf-8", newline="")
    result = subprocess.run(
        ["git", "apply", "p.patch"], check=False, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "keep.py").read_bytes() == b"a = 1\r\nb = 3\r\n"
    assert (tmp_path / "pkg/new.py").read_bytes() == b"x = 1\ny = 3"
    assert not (tmp_path / "old.py").exists() and not (tmp_path / "gone.txt").exists()
    assert (tmp_path / "pkg/__init__.py").read_bytes() == b""
    assert (tmp_path / "pkg/data.txt").read_bytes() == b"no newline"


def test_paths_with_spaces_and_unicode_are_quoted_like_git(tmp_path) -> None:
    (tmp_path / "my file.py").write_text("a = 1\n", encoding="utf-8")
    (tmp_path / "données.py").write_text("b = 1\n", encoding="utf-8")
    changes = ChangeSet(
        [
            FileChange("modify", "my file.py", "a = 1\n", "a = 2\n"),
            FileChange("move", "pkg/données.py", "b = 1\n", "b = 2\n", old_path="données.py"),
            FileChange("create", "new dir/é.py", None, "c = 1\n"),
        ]
    )
    patch = changes.diff()
    assert "--- a/my file.py\t\n" in patch
    assert 'rename from "donn\\303\\251es.py"\n' in patch
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "p.patch").write_text(patch, encoding="utf-8", newline="")
    result = subprocess.run(
        ["git", "apply", "p.patch"], check=False, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "my file.py").read_text(encoding="utf-8") == "a = 2\n"
    assert (tmp_path / "pkg" / "données.py").read_text(encoding="utf-8") == "b = 2\n"
    assert (tmp_path / "new dir" / "é.py").read_text(encoding="utf-8") == "c = 1\n"


def _big_script(functions: int) -> str:
    """A long module full of repeated lines (blank lines, ``return``), the input that made
    difflib's exact matcher quadratic."""
    return "import os\n\n" + "".join(
        f'\n\ndef helper_{n}(frame):\n    """Helper."""\n    if frame is None:\n'
        f"        return frame\n\n    value = frame.fillna(0)\n    return value * {n}\n"
        for n in range(functions)
    )


def test_a_one_mebibyte_file_diffs_in_a_few_seconds() -> None:
    """~1 MiB, edits at the top, middle and bottom (as the codemods make them). With difflib
    over the whole file this took minutes; now it completes at once, and the hunks are the
    minimal ones and apply back to the new text."""
    before = _big_script(9000)
    assert len(before) > 1024 * 1024
    after = (
        before.replace("import os\n", "import os\n\nfrom trainer import env\n", 1).replace(
            "    return value * 4500\n", "    return value * 4500  # changed\n", 1
        )
        + "\n\nif __name__ == '__main__':\n    main()\n"
    )
    hunks = make_hunks(before, after)
    assert [(h.removed, h.added) for h in hunks] == [(0, 2), (1, 1), (0, 4)]
    assert apply_hunks(before, hunks) == after
    change = FileChange("move", "trainer/train.py", before, after, "train.py")
    assert "similarity index 99%" in change.diff()


def test_the_fast_diff_matches_difflib_where_both_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regions small enough for difflib go to difflib whole: the hunks users review are
    unchanged; the anchored diff gives the same hunks on an ordinary edit."""
    import difflib

    from liftshift.migrator import linediff

    old = split_lines(_big_script(40))
    new = split_lines(_big_script(40).replace("* 7\n", "* 8\n").replace("* 30\n", "* 31\n"))
    exact = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    assert linediff.line_opcodes(old, new) == exact
    monkeypatch.setattr(linediff, "EXACT_LIMIT", 100)  # the anchored path on the same input
    assert linediff.line_opcodes(old, new) == exact


def test_migrate_reports_progress_file_by_file(tmp_path) -> None:
    """Each trainer file is reported as soon as its rules ran (the CLI prints these on stderr
    for a big tree), not all at once at the end."""
    import shutil
    from pathlib import Path

    from liftshift.migrator.migrate import FileMigrated, migrate_project

    project = tmp_path / "p"
    shutil.copytree(Path(__file__).parents[2] / "examples" / "titanic-sklearn", project)
    helper = "import os\n\nDATA = os.environ['SM_CHANNEL_TRAIN']\n"
    for n in range(3):
        (project / f"helpers_{n}.py").write_text(helper)
    (project / "train.py").write_text(
        "import helpers_0, helpers_1, helpers_2\n" + (project / "train.py").read_text()
    )
    events: list[FileMigrated] = []
    migrate_project(project, reporter=events.append)
    assert [e.index for e in events] == list(range(1, len(events) + 1))
    assert len(events) == events[-1].total >= 4
