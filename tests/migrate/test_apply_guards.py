"""Issue 13 items 4 to 7: guards around ``--apply`` that hold. git failures refuse, an apply is all
or nothing (also when killed), links are never replaced, new files follow the umask."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.migrator import apply as apply_module
from liftshift.migrator.apply import ApplyError, GitStatusError, apply_changeset, last_apply
from liftshift.migrator.migrate import migrate_project
from tests.migrate.conftest import git, git_init

REPO = Path(__file__).resolve().parents[2]


def tree(root: Path) -> dict[str, tuple[str, bytes | str, int]]:
    """Every entry but .git/.liftshift: links as links (their target), files with bytes and
    mode, and every leftover temp file shows up too."""
    found: dict[str, tuple[str, bytes | str, int]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] in (".git", ".liftshift"):
            continue
        if path.is_symlink():
            found[relative] = ("link", os.readlink(path), 0)
        elif path.is_file():
            found[relative] = ("file", path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        else:
            found[relative] = ("dir", "", 0)
    return found


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.tmp") if ".liftshift" not in p.parts]


# item 4


def test_apply_refuses_when_git_cannot_read_the_repository(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_init(project)
    (project / "helpers.py").write_text("# an uncommitted edit\n", encoding="utf-8")
    changes = migrate_project(project).changeset
    before = tree(project)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text(
        "#!/bin/sh\necho \"fatal: detected dubious ownership in repository at '$PWD'\" >&2\n"
        "echo 'To add an exception for this directory, call:' >&2\nexit 128\n"
    )
    (fake / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(GitStatusError, match="git says: fatal: detected dubious ownership"):
        apply_changeset(changes, project)
    result = CliRunner().invoke(cli, ["migrate", "--apply", str(project)])
    assert result.exit_code == 1
    assert "dubious ownership" in result.output and "--force" in result.output
    assert tree(project) == before, "nothing written over the uncommitted edit"
    assert not (project / ".liftshift" / "backups").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository another owner")
def test_apply_refuses_a_repository_owned_by_another_user(project: Path) -> None:
    git_init(project)
    (project / "helpers.py").write_text("# an uncommitted edit\n", encoding="utf-8")
    changes = migrate_project(project).changeset
    for path in [project, *project.rglob("*")]:
        os.lchown(path, 4242, 4242)
    with pytest.raises(GitStatusError, match="dubious ownership"):
        apply_changeset(changes, project)
    assert (project / "helpers.py").read_text() == "# an uncommitted edit\n"


def test_not_a_git_folder_is_still_fine(project: Path) -> None:
    apply_changeset(migrate_project(project).changeset, project)
    assert (project / "trainer" / "task.py").is_file()


# item 5


def test_failed_write_rolls_everything_back(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree(project)
    changes = migrate_project(project).changeset
    real = apply_module.write_atomic
    calls: list[Path] = []

    def failing(path: Path, data: bytes | str, **kwargs: object) -> None:
        if ".liftshift" not in Path(path).parts:
            calls.append(Path(path))
            if len(calls) == 3:
                raise OSError(30, "Read-only file system", str(path))
        real(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(apply_module, "write_atomic", failing)
    with pytest.raises(ApplyError, match="put back as it was"):
        apply_changeset(changes, project)
    monkeypatch.setattr(apply_module, "write_atomic", real)
    assert len(calls) > 3, "the rollback wrote the originals back"
    assert tree(project) == before
    assert temp_files(project) == []
    assert last_apply(project) is None, "a rolled-back apply is nothing to undo"
    apply_changeset(changes, project)  # and a later apply goes through
    assert (project / "trainer" / "task.py").is_file()


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("trainer", r"trainer: not writable, so trainer/__init__\.py cannot be written"),
        (".liftshift", r"\.liftshift: not writable, so the backup cannot be written"),
    ],
)
def test_unwritable_folder_is_found_before_any_write(
    project: Path, monkeypatch: pytest.MonkeyPatch, folder: str, message: str
) -> None:
    changes = migrate_project(project).changeset
    (project / folder).mkdir()
    (project / folder).chmod(0o555)
    before = tree(project)
    if os.geteuid() == 0:  # root writes anywhere: judge by the mode bits as a user would
        real_access = os.access
        monkeypatch.setattr(
            apply_module.os,
            "access",
            lambda path, mode: real_access(path, mode) and bool(os.stat(path).st_mode & 0o200),
        )
    try:
        with pytest.raises(ApplyError, match=message + ".*nothing was changed"):
            apply_changeset(changes, project)
    finally:
        (project / folder).chmod(0o755)
    assert tree(project) == before
    assert not (project / ".liftshift" / "backups").exists()


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from liftshift.foundation import fileio
    from liftshift.migrator.apply import apply_changeset
    from liftshift.migrator.migrate import migrate_project

    real = os.replace
    seen = []

    def replace(src, dst):
        if ".liftshift" not in str(dst):
            seen.append(dst)
            if len(seen) == 3:  # the temp file is written; the rename never happens
                os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst)

    fileio.os.replace = replace
    apply_changeset(migrate_project(sys.argv[1]).changeset, sys.argv[1])
    """
)


def test_undo_after_a_kill_mid_write_says_so_and_restores_byte_for_byte(project: Path) -> None:
    before = tree(project)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(project)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert temp_files(project), "the kill left a temp file behind, as a real one would"
    assert tree(project) != before

    again = CliRunner().invoke(cli, ["migrate", "--apply", str(project)])
    assert again.exit_code == 1 and "was interrupted" in again.output

    undone = CliRunner().invoke(cli, ["undo", str(project)])
    assert undone.exit_code == 0, undone.output
    assert "was interrupted" in undone.output
    assert tree(project) == before
    assert temp_files(project) == []


# item 6


def test_a_moved_link_stays_a_link_and_undo_restores_it(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "shared" / "helpers.py"
    outside.parent.mkdir()
    (project / "helpers.py").rename(outside)
    (project / "helpers.py").symlink_to(outside)
    shared_before = outside.read_bytes()
    before = tree(project)

    apply_changeset(migrate_project(project).changeset, project)
    moved = project / "trainer" / "helpers.py"
    assert moved.is_symlink() and moved.resolve() == outside
    assert outside.read_bytes() == shared_before, "never written through"

    result = CliRunner().invoke(cli, ["undo", str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "helpers.py").is_symlink()
    assert tree(project) == before


def test_a_link_whose_text_would_change_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "train.py"
    outside.parent.mkdir()
    (project / "train.py").rename(outside)
    (project / "train.py").symlink_to(outside)
    original = outside.read_bytes()
    before = tree(project)
    with pytest.raises(ApplyError, match=r"train\.py is a symbolic link .*never writes through"):
        apply_changeset(migrate_project(project).changeset, project)
    assert tree(project) == before and outside.read_bytes() == original


# item 7


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_new_files_follow_the_umask_and_existing_ones_keep_their_mode(
    project: Path, umask: int
) -> None:
    (project / "liftshift.toml").unlink()
    (project / "train.py").chmod(0o750)
    git_init(project)
    previous = os.umask(umask)
    try:
        plan = CliRunner().invoke(cli, ["plan", str(project)])
        assert plan.exit_code == 0, plan.output
        apply_changeset(migrate_project(project).changeset, project)
    finally:
        os.umask(previous)
    expected = 0o666 & ~umask
    for name in ("liftshift.toml", "setup.py", "trainer/__init__.py", "launch_vertex.py"):
        assert stat.S_IMODE((project / name).stat().st_mode) == expected, name
    assert stat.S_IMODE((project / "trainer" / "train.py").stat().st_mode) == 0o750
    assert stat.S_IMODE((project / "run.sh").stat().st_mode) == 0o755
    assert git(project, "status", "--porcelain").returncode == 0
