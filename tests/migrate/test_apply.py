import pytest

from liftshift.migrator.apply import (
    ApplyError,
    DirtyTreeError,
    apply_changeset,
    undo_last,
    write_copy,
)
from liftshift.migrator.migrate import migrate_project
from tests.migrate.conftest import git, git_init, snapshot


def test_apply_then_undo_is_byte_identical(project) -> None:
    (project / "train.py").chmod(0o755)
    before = snapshot(project)
    record = apply_changeset(migrate_project(project).changeset, project)
    assert record.backup_dir.is_relative_to(project / ".liftshift" / "backups")
    after = snapshot(project)
    assert "trainer/task.py" in after and "train.py" not in after
    assert after["trainer/task.py"][1] & 0o777 == 0o755  # a moved file keeps its mode
    (project / "trainer" / "__pycache__").mkdir()  # as left by running the trainer
    (project / "trainer" / "__pycache__" / "task.cpython-311.pyc").write_bytes(b"x")
    undo_last(project)
    assert snapshot(project) == before
    assert not (project / "trainer").exists()
    with pytest.raises(ApplyError, match="nothing to undo"):
        undo_last(project)


def test_refuses_a_dirty_git_tree_unless_forced(project) -> None:
    git_init(project)
    (project / "helpers.py").write_text("# edited\n", encoding="utf-8")
    changes = migrate_project(project).changeset
    with pytest.raises(DirtyTreeError, match="uncommitted changes"):
        apply_changeset(changes, project)
    assert (project / "train.py").exists()  # nothing written
    assert not (project / ".liftshift" / "backups").exists()
    apply_changeset(changes, project, force=True)
    assert (project / "trainer" / "task.py").exists()


def test_clean_git_tree_is_fine_and_patch_applies_with_git(project) -> None:
    git_init(project)
    result = migrate_project(project)
    (project / "p.diff").write_text(result.changeset.diff(), encoding="utf-8", newline="")
    check = git(project, "apply", "--check", "p.diff")
    assert check.returncode == 0, check.stderr
    (project / "p.diff").unlink()
    apply_changeset(result.changeset, project)


def test_undo_refuses_files_edited_since_the_apply(project) -> None:
    apply_changeset(migrate_project(project).changeset, project)
    (project / "setup.py").write_text("# mine now\n", encoding="utf-8")
    with pytest.raises(ApplyError, match=r"setup\.py"):
        undo_last(project)
    undo_last(project, force=True)
    assert (project / "train.py").exists() and not (project / "setup.py").exists()


def test_out_writes_a_migrated_copy_and_leaves_the_source(project, tmp_path) -> None:
    before = snapshot(project)
    out = tmp_path / "copy"
    write_copy(migrate_project(project).changeset, project, out)
    assert snapshot(project) == before
    assert (out / "trainer" / "task.py").exists() and not (out / "train.py").exists()
    assert (out / "launch.py").exists() and (out / "setup.py").exists()
    with pytest.raises(ApplyError, match="not empty"):
        write_copy(migrate_project(project).changeset, project, out)
