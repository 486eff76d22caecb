"""The project's ``.liftshift/`` folder: private to its owner and never committed.

Job records, logs, backups and journals live there; the folder can hold copies of user files
and command lines, so whoever creates any part of it goes through :func:`make_dirs`: the folder
is created 0700 with a ``.gitignore`` of ``*`` (a ``git add -A`` then skips it), and its
sub-folders are 0700 too. Files liftshift writes there are 0600 (:func:`private_mode`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from liftshift.foundation.settings import LOCAL_DIRNAME

DIR_MODE = 0o700
FILE_MODE = 0o600
GITIGNORE = "*\n"


def state_root_of(path: Path) -> Path | None:
    """The ``.liftshift`` folder ``path`` is in (or is), or None when it is outside one."""
    path = Path(path)
    for candidate in (path, *path.parents):
        if candidate.name == LOCAL_DIRNAME:
            return candidate
    return None


def ensure_state_dir(root: Path) -> Path:
    """Create ``root`` (a ``.liftshift`` folder) 0700 with its ``.gitignore``; idempotent.

    An existing folder is tightened to 0700 too, so projects made by older versions are fixed
    the next time liftshift writes there."""
    root = Path(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=DIR_MODE)
    with contextlib.suppress(PermissionError):
        if root.stat().st_mode & 0o777 != DIR_MODE:
            root.chmod(DIR_MODE)
    ignore = root / ".gitignore"
    if not ignore.exists():
        with contextlib.suppress(FileExistsError):
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(GITIGNORE)
    return root


def make_dirs(path: Path) -> Path:
    """``mkdir -p path``; the parts inside a ``.liftshift`` folder are made private (0700) and
    the ``.liftshift`` folder itself gets its ``.gitignore``. Outside one it is a plain mkdir."""
    path = Path(path)
    root = state_root_of(path)
    if root is None:
        path.mkdir(parents=True, exist_ok=True)
        return path
    ensure_state_dir(root)
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        with contextlib.suppress(FileExistsError):
            current.mkdir(mode=DIR_MODE)
    return path


def private_mode(path: Path) -> int | None:
    """0600 for a file inside a ``.liftshift`` folder, else None (the caller's default)."""
    return FILE_MODE if state_root_of(Path(path).parent) is not None else None


def open_private(path: Path, mode: str = "ab"):
    """``open(path, mode)`` creating a missing file 0600 inside ``.liftshift`` (logs that the
    supervisor appends to as it goes cannot be written atomically)."""
    path = Path(path)
    make_dirs(path.parent)
    file_mode = private_mode(path) or 0o666
    return open(path, mode, opener=lambda name, flags: os.open(name, flags, file_mode))


def make_private(path: Path) -> None:
    """Tighten what was copied into ``.liftshift`` (a file, or a tree): files 0600 (0700 when
    executable), folders 0700. Outside a ``.liftshift`` folder it does nothing."""
    path = Path(path)
    if state_root_of(path) is None:
        return
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        if item.is_symlink():
            continue
        if item.is_dir():
            item.chmod(DIR_MODE)
        else:
            executable = item.stat().st_mode & 0o100
            item.chmod(DIR_MODE if executable else FILE_MODE)
