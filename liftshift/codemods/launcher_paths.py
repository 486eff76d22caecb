"""Keep the SageMaker launcher working once LS001 has moved the trainer (part of LS006).

A team moves to Vertex AI over weeks and keeps launching on SageMaker meanwhile, so the
original launcher's ``entry_point``/``source_dir`` (``entry_script``/``source_dir`` of an SDK v3
``SourceCode``) must follow the script into the ``trainer/`` package. Only string literals are
changed, in ``.py`` launchers and in notebooks (where they sit JSON-escaped in cell sources);
a launcher that names its script through a variable gets a note instead. SageMaker runs the
script from ``source_dir``, so that becomes the package folder; what no longer comes along
(a ``requirements.txt`` left in the old folder, relative imports a plain ``python train.py``
cannot resolve) is said in a note. Running it again changes nothing: the launcher then names
where the script is.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from liftshift.codemods.base import MigrationContext, ProjectTree

CODE = "LS006"
ENTRY_LITERAL = re.compile(r"""\b(entry_point|entry_script)(\s*=\s*)(\\?["'])([^"'\\]+)\3""")
SOURCE_LITERAL = re.compile(r"""\bsource_dir(\s*=\s*)(\\?["'])([^"'\\]*)\2""")
ENTRY_VARIABLE = re.compile(r"\b(entry_point|entry_script)\s*=\s*[A-Za-z_]")
WINDOW = 800
"""Characters around ``entry_point=`` searched for its ``source_dir=`` (the same call)."""


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def follow_moved_entry(tree: ProjectTree, ctx: MigrationContext) -> None:
    """Point every SageMaker launcher that names the original script at its new place."""
    final = tree.entry
    original = tree.origin.get(final, final)
    names = {original, ctx.entry_point} - {"", final}

    def names_the_trainer(path: str) -> bool:
        """The script as it was: this run's original, or (migrated earlier) a missing file of
        the same name, which is where the trainer came from."""
        if path in names:
            return True
        missing = not tree.exists(path)
        return missing and posixpath.basename(path) == posixpath.basename(final)

    for launcher in ctx.launchers:
        if not tree.exists(launcher) or "_vertex" in posixpath.basename(launcher):
            continue
        # peek without caching: an untouched launcher stays out of the tree's files
        text = tree.files.get(launcher) or tree.loader(launcher) or ""
        updated = _point_at(text, launcher, names_the_trainer, final)
        if updated is None:
            if original != final and ENTRY_VARIABLE.search(text):
                tree.notes.append(
                    (
                        launcher,
                        0,
                        CODE,
                        f"the SageMaker launcher names its script through a variable; point it "
                        f"at {final} (source_dir={posixpath.dirname(final) or '.'!r}) to keep "
                        "launching on SageMaker",
                    )
                )
            continue
        tree.write(launcher, updated)
        line = _line(text, updated)
        tree.notes.append((launcher, line, CODE, _message(tree, final, original)))


def _point_at(
    text: str, launcher: str, names_the_trainer: Callable[[str], bool], final: str
) -> str | None:
    folder = posixpath.dirname(launcher)
    edits: list[_Edit] = []
    for entry in ENTRY_LITERAL.finditer(text):
        source = _nearest_source_dir(text, entry.start(), entry.end())
        source_value = source.group(3) if source else ""
        if "://" in source_value:
            continue
        named = posixpath.normpath(posixpath.join(folder, source_value, entry.group(4)))
        if named == final or not names_the_trainer(named):
            continue
        new_source = posixpath.relpath(posixpath.dirname(final) or ".", folder or ".")
        quote = entry.group(3)
        edits.append(_Edit(entry.start(4), entry.end(4), posixpath.basename(final)))
        if source is not None:
            edits.append(_Edit(source.start(3), source.end(3), new_source))
        else:
            insert = f"source_dir={quote}{new_source}{quote}, "
            edits.append(_Edit(entry.start(), entry.start(), insert))
    if not edits:
        return None
    for edit in sorted(edits, key=lambda item: item.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def _nearest_source_dir(text: str, start: int, end: int) -> re.Match[str] | None:
    window_start = max(0, start - WINDOW)
    found = list(SOURCE_LITERAL.finditer(text, window_start, min(len(text), end + WINDOW)))
    if not found:
        return None
    return min(found, key=lambda match: min(abs(match.start() - start), abs(match.end() - end)))


def _line(before: str, after: str) -> int:
    """The first line that differs (1-based)."""
    pairs = zip(before.split("\n"), after.split("\n"), strict=False)
    for number, (old, new) in enumerate(pairs, start=1):
        if old != new:
            return number
    return 1


def _message(tree: ProjectTree, final: str, original: str) -> str:
    folder = posixpath.dirname(final) or "."
    was = f" (was {original})" if original != final else ""
    message = (
        f"entry_point/source_dir now name {final}{was}, so this SageMaker launcher keeps "
        "working during the move"
    )
    requirements = posixpath.join(posixpath.dirname(original), "requirements.txt")
    if tree.exists(requirements) and not tree.exists(posixpath.join(folder, "requirements.txt")):
        message += f"; copy {requirements} into {folder}/ for SageMaker to install it"
    if re.search(r"^\s*from \.", tree.read(final) or "", re.MULTILINE):
        message += (
            f"; {final} uses relative imports, which SageMaker's `python "
            f"{posixpath.basename(final)}` cannot resolve: keep a copy of the original script "
            "for SageMaker runs"
        )
    return message
