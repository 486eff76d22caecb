"""Writing a ChangeSet to disk, safely, and taking it back.

``apply_changeset`` re-parses every result first (nothing is written if one fails), refuses to
write over uncommitted changes in a git work tree unless forced, copies every file it will touch
to ``.liftshift/backups/<timestamp>/`` together with a manifest, then writes each file atomically.
``undo_last`` restores the last apply byte for byte: original files come back with their modes,
files the apply created (including move destinations) are removed, and so are the folders it
created. It refuses when a file was edited since the apply, unless forced.
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
from liftshift.migrator.changes import ChangeSet

BACKUPS = "backups"
MANIFEST = "manifest.json"
COPY_IGNORE = shutil.ignore_patterns(".git", LOCAL_DIRNAME, "__pycache__")


class ApplyError(RuntimeError):
    """The apply or undo cannot go ahead; the message says why and what to do."""


class DirtyTreeError(ApplyError):
    pass


@dataclass
class BackupEntry:
    path: str
    existed: bool
    mode: int = 0o644
    written_sha256: str | None = None
    """Hash of what the apply wrote there (None: the apply removed the file)."""


@dataclass
class ApplyRecord:
    backup_dir: Path
    entries: list[BackupEntry] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [entry.path for entry in self.entries]


def backups_root(root: Path) -> Path:
    return Path(root) / LOCAL_DIRNAME / BACKUPS


def git_uncommitted(root: Path) -> list[str] | None:
    """Tracked files with uncommitted changes under ``root``; None when not in a git work tree."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "."],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup_dir = backups_root(root) / stamp
    record = ApplyRecord(backup_dir)
    results: dict[str, bytes | None] = {}
    modes: dict[str, int] = {}
    for change in changeset.effective():
        text = change.result()
        if change.kind == "move" and change.old_path:
            results[change.old_path] = None
            old = root / change.old_path
            if old.exists():
                modes[change.path] = old.stat().st_mode & 0o7777
        results[change.path] = None if text is None else text.encode("utf-8")
    for path, data in results.items():
        target = root / path
        existed = target.is_file()
        entry = BackupEntry(path, existed)
        if existed:
            entry.mode = target.stat().st_mode & 0o7777
            saved = backup_dir / "files" / path
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, saved)
        entry.written_sha256 = None if data is None else _sha(data)
        record.entries.append(entry)
    record.created_dirs = _missing_dirs(
        root, [p for p, data in results.items() if data is not None]
    )
    _save_manifest(record, "applying")
    for path, data in results.items():
        target = root / path
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
        else:
            write_atomic(target, data, mode=modes.get(path))
    _save_manifest(record, "applied")
    return record


def _missing_dirs(root: Path, paths: list[str]) -> list[str]:
    missing: set[str] = set()
    for path in paths:
        parent = Path(path).parent
        while str(parent) not in ("", ".") and not (root / parent).exists():
            missing.add(parent.as_posix())
            parent = parent.parent
    return sorted(missing, key=lambda item: (-item.count("/"), item))


def _save_manifest(record: ApplyRecord, status: str) -> None:
    record.backup_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "status": status,
        "created_dirs": record.created_dirs,
        "entries": [entry.__dict__ for entry in record.entries],
    }
    write_atomic(record.backup_dir / MANIFEST, json.dumps(data, indent=2) + "\n")


def _load(backup_dir: Path) -> tuple[str, ApplyRecord]:
    data = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    record = ApplyRecord(
        backup_dir,
        [BackupEntry(**entry) for entry in data["entries"]],
        list(data.get("created_dirs", [])),
    )
    return data["status"], record


def last_apply(root: Path) -> ApplyRecord | None:
    """The most recent apply that has not been undone."""
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


def undo_last(root: Path, *, force: bool = False) -> ApplyRecord:
    """Restore the files of the last apply; see the module docstring."""
    root = Path(root)
    record = last_apply(root)
    if record is None:
        raise ApplyError(f"{root}: nothing to undo (no liftshift apply recorded)")
    if not force:
        edited = []
        for entry in record.entries:
            target = root / entry.path
            current = _sha(target.read_bytes()) if target.is_file() else None
            if current != entry.written_sha256:
                edited.append(entry.path)
        if edited:
            raise ApplyError(
                f"{root}: changed since the apply: {', '.join(edited)}; pass --force to restore "
                "the backup anyway"
            )
    for entry in record.entries:
        target = root / entry.path
        if entry.existed:
            saved = record.backup_dir / "files" / entry.path
            write_atomic(target, saved.read_bytes(), mode=entry.mode)
        else:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
    for folder in record.created_dirs:
        path = root / folder
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path / "__pycache__")
        with contextlib.suppress(OSError):
            path.rmdir()
    _save_manifest(record, "undone")
    return record


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
