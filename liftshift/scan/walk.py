"""Find the files a scan looks at, without leaving the project or following loops.

Symlinks are not followed: one that points outside the project is reported (its target may be
on another machine); one inside the project points at something the walk meets anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from liftshift.scan.analyze import FileTask
from liftshift.scan.project import Finding, Location, Severity
from liftshift.scan.tables import SKIP_DIRS


@dataclass
class Inventory:
    tasks: list[FileTask] = field(default_factory=list)
    requirements: set[str] = field(default_factory=set)
    """Relative paths of ``requirements*.txt`` files."""
    modules: dict[str, set[str]] = field(default_factory=dict)
    """Relative folder ("" for the root) → importable names in it (``x.py``, packages)."""
    findings: list[Finding] = field(default_factory=list)
    python_files: set[str] = field(default_factory=set)


def walk(root: Path) -> Inventory:
    inventory = Inventory()
    for folder, dirnames, filenames in os.walk(root):
        here = Path(folder)
        relative_folder = here.relative_to(root).as_posix()
        relative_folder = "" if relative_folder == "." else relative_folder
        names = inventory.modules.setdefault(relative_folder, set())
        kept = []
        for dirname in sorted(dirnames):
            path = here / dirname
            if dirname in SKIP_DIRS or dirname.endswith(".egg-info"):
                continue
            if path.is_symlink():
                _symlink(root, path, inventory)
                continue
            kept.append(dirname)
            if (path / "__init__.py").is_file():
                names.add(dirname)
        dirnames[:] = kept
        for filename in sorted(filenames):
            path = here / filename
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                _symlink(root, path, inventory)
                continue
            if filename.endswith(".py"):
                names.add(filename[:-3])
                inventory.python_files.add(relative)
                inventory.tasks.append(FileTask(relative, str(path), "python", size=_size(path)))
            elif filename.endswith(".ipynb") and ".ipynb_checkpoints" not in relative:
                inventory.tasks.append(FileTask(relative, str(path), "notebook", size=_size(path)))
            elif filename.startswith("requirements") and filename.endswith(".txt"):
                inventory.requirements.add(relative)
    return inventory


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _symlink(root: Path, path: Path, inventory: Inventory) -> None:
    relative = path.relative_to(root).as_posix()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        inventory.findings.append(
            Finding(
                "symlink-broken", "broken symlink, skipped", Severity.WARNING, Location(relative)
            )
        )
        return
    if not target.is_relative_to(root):
        inventory.findings.append(
            Finding(
                "symlink-outside",
                f"symlink leaves the project (→ {target}); not scanned or migrated",
                Severity.WARNING,
                Location(relative),
            )
        )
