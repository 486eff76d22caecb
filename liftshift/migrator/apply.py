"""Writing a ChangeSet to disk, safely, and taking it back.

``apply_changeset`` is all or nothing. Before writing it re-parses every result, refuses to
write over uncommitted changes in a git work tree unless forced (and refuses, naming git's own
message, when git cannot answer), refuses to write through or replace a symbolic link, and
checks that every folder it writes to is writable. It copies every file it will touch to
``.liftshift/backups/<timestamp>/`` with a manifest marked ``applying``, writes each file
atomically, and marks the manifest ``applied``. If a write fails, everything written so far is
put back from the backup (``rolled back``). A moved link is moved as a link.

``undo_last`` restores the last apply byte for byte: original files come back with their modes,
links as links, files the apply created (including move destinations) are removed, and so are
the folders it created. It refuses when a file was edited since the apply, unless forced. An
apply killed mid-write is left ``applying``: undo says so and restores it (files the apply had
not reached yet are already the originals), removing the temp files the kill left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.settings import LOCAL_DIRNAME
from liftshift.foundation.statedir import make_dirs, make_private
from liftshift.migrator.changes import ChangeSet

BACKUPS = "backups"
MANIFEST = "manifest.json"
COPY_IGNORE = shutil.ignore_patterns(".git", LOCAL_DIRNAME, "__pycache__")


class ApplyError(RuntimeError):
    """The apply or undo cannot go ahead; the message says why and what to do."""


class DirtyTreeError(ApplyError):
    pass


class GitStatusError(ApplyError):
    """git is there but cannot say whether the tree is clean (e.g. "dubious ownership")."""


@dataclass
class BackupEntry:
    path: str
    existed: bool
    mode: int = 0o644
    written_sha256: str | None = None
    """Hash of what the apply wrote there (None: the apply removed the file)."""
    link: str | None = None
    """The target of the symbolic link that was there before the apply (restored as a link)."""
    written_link: str | None = None
    """The target of the link the apply made there (a moved link)."""


@dataclass
class ApplyRecord:
    backup_dir: Path
    entries: list[BackupEntry] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)
    interrupted: bool = False
    """Set by :func:`undo_last` when the apply it undid had been killed mid-write."""

    @property
    def paths(self) -> list[str]:
        return [entry.path for entry in self.entries]


def backups_root(root: Path) -> Path:
    return Path(root) / LOCAL_DIRNAME / BACKUPS


def git_uncommitted(root: Path) -> list[str] | None:
    """Tracked files with uncommitted changes under ``root``; None when not in a git work tree.

    Raises :class:`GitStatusError` when git fails for another reason: treating a folder git
    cannot read (a repository owned by another user) as "not git" would write over edits."""
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree")
    except OSError:
        return None  # no git installed: not a work tree we could protect
    if inside.returncode != 0:
        if "not a git repository" in inside.stderr.lower():
            return None
        raise _git_error(root, inside)
    if inside.stdout.strip() != "true":
        return None  # inside .git itself, or a bare repository
    status = _git(root, "status", "--porcelain", "--untracked-files=no", "--", ".")
    if status.returncode != 0:
        raise _git_error(root, status)
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )


def _git_error(root: Path, result: subprocess.CompletedProcess[str]) -> GitStatusError:
    said = "; ".join(line.strip() for line in result.stderr.splitlines() if line.strip())
    return GitStatusError(
        f"{root}: git cannot tell whether the work tree has uncommitted changes, so --apply "
        f"will not write: git says: {said or f'exit code {result.returncode}'} (fix that, or "
        "pass --force to write without the check)"
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Write:
    """One path of the apply: new bytes, a link target (a moved link), or removal."""

    path: str
    data: bytes | None = None
    link: str | None = None
    mode: int | None = None


def apply_changeset(changeset: ChangeSet, root: Path, *, force: bool = False) -> ApplyRecord:
    """Write the accepted changes under ``root`` with a backup; see the module docstring."""
    root = Path(root)
    changeset.validate()
    if not force:
        dirty = git_uncommitted(root)
        if dirty:
            shown = ", ".join(dirty[:5]) + (" …" if len(dirty) > 5 else "")
            raise DirtyTreeError(
                f"{root}: the git work tree has uncommitted changes ({shown}); commit or stash "
                "them first, or pass --force"
            )
    previous = last_apply(root)
    if previous is not None and _status(previous.backup_dir) == "applying":
        raise ApplyError(
            f"{root}: the last apply ({previous.backup_dir.name}) was interrupted; run "
            "`liftshift undo` first to restore the files it left half done"
        )
    writes = _plan_writes(changeset, root)
    _check_writable(root, writes)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    record = ApplyRecord(backups_root(root) / stamp)
    try:
        _back_up(root, writes, record)
    except OSError as exc:
        shutil.rmtree(record.backup_dir, ignore_errors=True)
        raise ApplyError(
            f"{record.backup_dir}: cannot write the backup ({exc.strerror or exc}); nothing was "
            f"changed (free space or make {backups_root(root).parent} writable)"
        ) from exc
    current = ""
    try:
        for write in writes.values():
            current = write.path
            _write(root / write.path, write)
    except BaseException as exc:  # a failed write, or Ctrl-C: nothing stays half applied
        _restore(root, record)
        _save_manifest(record, "rolled back")
        if not isinstance(exc, OSError):
            raise
        raise ApplyError(
            f"{root}: writing {current} failed ({exc.strerror or exc}); every file was put "
            "back as it was, nothing is half applied"
        ) from exc
    _save_manifest(record, "applied")
    return record


def _back_up(root: Path, writes: dict[str, _Write], record: ApplyRecord) -> None:
    """Copy what each path holds now into the backup, then mark the manifest ``applying``."""
    for write in writes.values():
        target = root / write.path
        entry = BackupEntry(write.path, target.is_symlink() or target.is_file())
        if target.is_symlink():
            entry.link = os.readlink(target)
        elif entry.existed:
            entry.mode = target.stat().st_mode & 0o7777
            saved = record.backup_dir / "files" / write.path
            make_dirs(saved.parent)
            shutil.copyfile(target, saved)
            make_private(saved)
        entry.written_sha256 = None if write.data is None else _sha(write.data)
        entry.written_link = write.link
        record.entries.append(entry)
    record.created_dirs = _missing_dirs(
        root, [w.path for w in writes.values() if w.data is not None or w.link is not None]
    )
    _save_manifest(record, "applying")


def _plan_writes(changeset: ChangeSet, root: Path) -> dict[str, _Write]:
    """What each path becomes. A link is never written through or replaced by a file: a moved
    link whose text the rules left alone moves as a link; any other change to one is refused."""
    writes: dict[str, _Write] = {}
    moved_links: set[str] = set()
    for change in changeset.effective():
        text = change.result()
        data = None if text is None else text.encode("utf-8")
        if change.kind == "move" and change.old_path:
            old = root / change.old_path
            writes[change.old_path] = _Write(change.old_path)
            if old.is_symlink():
                if text != change.before:
                    raise _link_error(change.old_path, old)
                target = os.readlink(old)
                if not os.path.isabs(target):  # keep pointing at the same file from the new place
                    absolute = os.path.normpath(os.path.join(old.parent, target))
                    target = os.path.relpath(absolute, (root / change.path).parent)
                writes[change.path] = _Write(change.path, link=target)
                moved_links.add(change.old_path)
                continue
            mode = old.stat().st_mode & 0o7777 if old.exists() else None
            writes[change.path] = _Write(change.path, data, mode=mode)
            continue
        writes[change.path] = _Write(change.path, data)
    for write in writes.values():
        target = root / write.path
        if target.is_symlink() and write.path not in moved_links:
            raise _link_error(write.path, target)
    return writes


def _link_error(path: str, target: Path) -> ApplyError:
    return ApplyError(
        f"{path} is a symbolic link (→ {os.readlink(target)}); liftshift never writes through or "
        "replaces a link: replace it with a regular file, or skip the rule that changes it"
    )


def _check_writable(root: Path, writes: dict[str, _Write]) -> None:
    """Every folder that gains, loses or replaces a file must be writable, and so must the
    backup folder, checked before the first write (for a folder still to be made: its nearest
    existing ancestor)."""
    targets = [(root / write.path, write.path) for write in writes.values()]
    backups = backups_root(root)
    for path, shown in [*targets, (backups / MANIFEST, "the backup")]:
        folder = path.parent
        while not folder.exists():
            folder = folder.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ApplyError(
                f"{folder}: not writable, so {shown} cannot be written; nothing was "
                "changed (make the folder writable, or use --out DIR for a migrated copy)"
            )


def _write(target: Path, write: _Write) -> None:
    if write.link is not None:
        make_dirs(target.parent)
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        target.symlink_to(write.link)
    elif write.data is None:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
    else:
        write_atomic(target, write.data, mode=write.mode)


def _restore(root: Path, record: ApplyRecord) -> None:
    """Put every entry back as the backup has it; remove what the apply created."""
    for entry in record.entries:
        target = root / entry.path
        if entry.link is not None:
            if target.is_symlink() or target.exists():
                target.unlink()
            target.symlink_to(entry.link)
        elif entry.existed:
            saved = record.backup_dir / "files" / entry.path
            if target.is_symlink():
                target.unlink()  # a link the apply made where a file was
            write_atomic(target, saved.read_bytes(), mode=entry.mode)
        elif target.is_symlink() or target.exists():
            target.unlink()
        _remove_temp_files(target)
    for folder in record.created_dirs:
        path = root / folder
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path / "__pycache__")
        with contextlib.suppress(OSError):
            path.rmdir()


def _remove_temp_files(target: Path) -> None:
    """The ``.<name>.*.tmp`` files ``write_atomic`` leaves only when the process is killed."""
    if target.parent.is_dir():
        for leftover in target.parent.glob(f".{target.name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _missing_dirs(root: Path, paths: list[str]) -> list[str]:
    missing: set[str] = set()
    for path in paths:
        parent = Path(path).parent
        while str(parent) not in ("", ".") and not (root / parent).exists():
            missing.add(parent.as_posix())
            parent = parent.parent
    return sorted(missing, key=lambda item: (-item.count("/"), item))


def _save_manifest(record: ApplyRecord, status: str) -> None:
    make_dirs(record.backup_dir)
    data = {
        "status": status,
        "created_dirs": record.created_dirs,
        "entries": [entry.__dict__ for entry in record.entries],
    }
    write_atomic(record.backup_dir / MANIFEST, json.dumps(data, indent=2) + "\n")


def _status(backup_dir: Path) -> str:
    return str(json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))["status"])


def _load(backup_dir: Path) -> tuple[str, ApplyRecord]:
    data = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    record = ApplyRecord(
        backup_dir,
        [BackupEntry(**entry) for entry in data["entries"]],
        list(data.get("created_dirs", [])),
    )
    return data["status"], record


def last_apply(root: Path) -> ApplyRecord | None:
    """The most recent apply that has not been undone (or rolled back)."""
    return next(iter(applies(root)), None)


def applies(root: Path) -> list[ApplyRecord]:
    """Every apply that has not been undone, newest first (undoing them in this order gives
    back the project as it was before the first)."""
    folder = backups_root(root)
    if not folder.is_dir():
        return []
    found = []
    for candidate in sorted(folder.iterdir(), reverse=True):
        if (candidate / MANIFEST).is_file():
            status, record = _load(candidate)
            if status in ("applied", "applying"):
                found.append(record)
    return found


def _current(target: Path) -> tuple[str | None, str | None]:
    """(sha256 of the file, link target) of what is at ``target`` now."""
    if target.is_symlink():
        return None, os.readlink(target)
    return (_sha(target.read_bytes()) if target.is_file() else None), None


def undo_last(root: Path, *, force: bool = False) -> ApplyRecord:
    """Restore the files of the last apply; see the module docstring."""
    root = Path(root)
    record = last_apply(root)
    if record is None:
        raise ApplyError(f"{root}: nothing to undo (no liftshift apply recorded)")
    record.interrupted = _status(record.backup_dir) == "applying"
    if not force:
        edited = []
        for entry in record.entries:
            target = root / entry.path
            now = _current(target)
            if now == (entry.written_sha256, entry.written_link):
                continue
            if record.interrupted and _untouched(record, entry, now):
                continue  # the killed apply had not reached this file yet
            edited.append(entry.path)
        if edited:
            raise ApplyError(
                f"{root}: changed since the apply: {', '.join(edited)}; pass --force to restore "
                "the backup anyway"
            )
    _restore(root, record)
    _save_manifest(record, "undone")
    return record


def _untouched(record: ApplyRecord, entry: BackupEntry, now: tuple[str | None, str | None]) -> bool:
    """Whether ``now`` is still what was there before the apply."""
    if entry.link is not None:
        return now == (None, entry.link)
    if not entry.existed:
        return now == (None, None)
    saved = record.backup_dir / "files" / entry.path
    return saved.is_file() and now == (_sha(saved.read_bytes()), None)


def write_copy(changeset: ChangeSet, root: Path, out: Path) -> list[str]:
    """``--out``: a migrated copy of the project in ``out``; the source is left alone."""
    root, out = Path(root), Path(out)
    changeset.validate()
    if out.exists() and any(out.iterdir()):
        raise ApplyError(f"{out}: exists and is not empty; choose a new folder for --out")
    if out.resolve().is_relative_to(root.resolve()):
        raise ApplyError(f"{out}: is inside the project; choose a folder outside it")
    shutil.copytree(root, out, ignore=COPY_IGNORE, dirs_exist_ok=True)
    written = []
    for change in changeset.effective():
        if change.old_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out / change.old_path)
        text = change.result()
        if text is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(out / change.path)
        else:
            write_atomic(out / change.path, text)
        written.append(change.path)
    return written
