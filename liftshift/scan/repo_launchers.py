"""Launchers outside the project but in the same git repository.

Most trainer folders are launched from somewhere else: a notebook in ``notebooks/``, a
``launch.py`` at the repository root with ``source_dir="models/churn"``. When the user points
liftshift at the trainer folder, the launcher that names it is the best evidence of its entry
point, framework and channels. Only launchers whose ``entry_point`` lands inside the project are
kept; their locations stay relative to the project (``../../notebooks/launch.ipynb``), so the
plan never lists them as files to migrate (they are not the project's to rewrite).
"""

from __future__ import annotations

import os
from pathlib import Path

from liftshift.scan.analyze import FileTask, analyze
from liftshift.scan.assemble import resolve_entry_point
from liftshift.scan.project import Launcher
from liftshift.scan.tables import SKIP_DIRS

MAX_FILES = 5_000
"""Files looked at in the repository beyond the project (a huge monorepo is not walked whole)."""
LAUNCHER_HINTS = ("entry_point", "entry_script")


def enclosing_repository(root: Path) -> Path | None:
    """The nearest folder strictly above ``root`` that holds ``.git`` (None at the top)."""
    if (root / ".git").exists():
        return None
    for folder in root.parents:
        if (folder / ".git").exists():
            return folder
    return None


def repository_launchers(root: Path) -> list[Launcher]:
    """Launchers elsewhere in ``root``'s git repository whose entry point is inside ``root``."""
    repository = enclosing_repository(root)
    if repository is None:
        return []
    found: list[Launcher] = []
    seen = 0
    for folder, dirnames, filenames in os.walk(repository):
        here = Path(folder)
        dirnames[:] = sorted(
            name
            for name in dirnames
            if name not in SKIP_DIRS and not name.endswith(".egg-info") and here / name != root
        )
        for filename in sorted(filenames):
            kind = "python" if filename.endswith(".py") else None
            kind = "notebook" if filename.endswith(".ipynb") else kind
            if kind is None:
                continue
            seen += 1
            if seen > MAX_FILES:
                return found
            path = here / filename
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if "sagemaker" not in text or not any(hint in text for hint in LAUNCHER_HINTS):
                continue
            if root.name not in text:  # a launcher outside names the folder in its paths
                continue
            relative = Path(os.path.relpath(path, root)).as_posix()
            result = analyze(FileTask(relative, str(path), kind))  # type: ignore[arg-type]
            for launcher in result.facts.launchers if result.facts else []:
                entry = resolve_entry_point(launcher, root.as_posix())
                if entry and not entry.startswith("../"):
                    found.append(launcher)
    return found
