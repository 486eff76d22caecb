"""File changes as a reviewable set: per-file create/modify/move/delete, split into hunks.

The CLI prints the set as one patch that ``git apply`` accepts (``diff --git`` headers, ``new
file mode``, ``rename from/to``); the review screen toggles hunks and whole files. Whatever is
accepted is rebuilt from the original text plus the accepted hunks, and re-parsed (Python with
libcst, notebooks as JSON) before anything is written, so a partial review can never write a
file that does not parse. Lines split on ``\\n`` only, like git, so CRLF files diff and apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from liftshift.migrator.hunk_links import link_groups, undefined_reads
from liftshift.migrator.linediff import grouped, line_opcodes, similarity

ChangeKind = Literal["create", "modify", "move", "delete"]
CONTEXT_LINES = 3


class ChangeError(ValueError):
    """The accepted hunks of a file give a result that does not parse."""


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split like git (on ``\\n`` only; ``\\r`` stays in the line)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


@dataclass
class Hunk:
    """One contiguous change with its context, as difflib groups it."""

    old_start: int
    """0-based index of the first original line the hunk covers."""
    old_lines: list[str]
    new_start: int
    new_lines: list[str]
    lines: list[str]
    """The hunk body: each line prefixed with ``' '``, ``'-'`` or ``'+'``."""
    accepted: bool = True

    @property
    def header(self) -> str:
        return (
            f"@@ -{_range(self.old_start, len(self.old_lines))} "
            f"+{_range(self.new_start, len(self.new_lines))} @@"
        )

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.startswith("+"))

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.startswith("-"))

    def text(self) -> str:
        return self.header + "\n" + "".join(_diff_line(line) for line in self.lines)


def _range(start: int, length: int) -> str:
    """Unified-diff range: 1-based start; an empty range names the line before it."""
    beginning = start + 1
    if length == 1:
        return str(beginning)
    if length == 0:
        beginning -= 1
    return f"{beginning},{length}"


def _diff_line(line: str) -> str:
    if line.endswith("\n"):
        return line
    return line + "\n\\ No newline at end of file\n"


def make_hunks(before: str, after: str, context: int = CONTEXT_LINES) -> list[Hunk]:
    old, new = split_lines(before), split_lines(after)
    hunks = []
    for group in grouped(line_opcodes(old, new), context):
        i1, i2 = group[0][1], group[-1][2]
        j1, j2 = group[0][3], group[-1][4]
        body: list[str] = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                body.extend(" " + line for line in old[a1:a2])
                continue
            body.extend("-" + line for line in old[a1:a2])
            body.extend("+" + line for line in new[b1:b2])
        hunks.append(Hunk(i1, old[i1:i2], j1, new[j1:j2], body))
    return hunks


def apply_hunks(before: str, hunks: list[Hunk]) -> str:
    """The original text with the accepted hunks applied (rejected ones keep the original)."""
    old = split_lines(before)
    out: list[str] = []
    position = 0
    for hunk in sorted(hunks, key=lambda item: item.old_start):
        out.extend(old[position : hunk.old_start])
        out.extend(hunk.new_lines if hunk.accepted else hunk.old_lines)
        position = hunk.old_start + len(hunk.old_lines)
    out.extend(old[position:])
    return "".join(out)


def check_parses(path: str, text: str) -> None:
    """Raise :class:`ChangeError` when a Python file or notebook would not parse."""
    if path.endswith(".py"):
        import libcst as cst

        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            raise ChangeError(
                f"{path}:{exc.raw_line}: result does not parse: {exc.message}"
            ) from exc
    elif path.endswith(".ipynb"):
        try:
            json.loads(text)
        except ValueError as exc:
            raise ChangeError(f"{path}: result is not valid notebook JSON: {exc}") from exc


@dataclass
class FileChange:
    """One file's change. ``path`` is where the file ends up (for a delete: where it was)."""

    kind: ChangeKind
    path: str
    before: str | None
    after: str | None
    old_path: str | None = None
    """The original location of a moved file."""
    mode: int = 0o100644
    accepted: bool = True
    """For creates, moves and deletes: whether the file operation itself happens."""

    _hunks: list[Hunk] | None = field(default=None, repr=False, compare=False)
    _links: list[list[int]] | None = field(default=None, repr=False, compare=False)

    @property
    def hunks(self) -> list[Hunk]:
        """The change split into hunks, made on first use: ``migrate --check`` only counts
        changed files, and diffing every file was a tenth of its cost."""
        if self._hunks is None:
            differ = self.before != self.after
            self._hunks = make_hunks(self.before or "", self.after or "") if differ else []
        return self._hunks

    def linked(self, hunk: Hunk) -> list[Hunk]:
        """``hunk`` and the hunks it only works with (a new argparse dest and its uses)."""
        if self._links is None:
            python = self.path.endswith(".py")
            self._links = (
                link_groups(self.before or "", self.after or "", self.hunks) if python else []
            )
        index = next(i for i, item in enumerate(self.hunks) if item is hunk)
        group = next((group for group in self._links if index in group), [index])
        return [self.hunks[i] for i in group]

    def set_hunk(self, hunk: Hunk, accepted: bool) -> list[Hunk]:
        """Accept or reject ``hunk`` together with the hunks linked to it; returns them all."""
        group = self.linked(hunk)
        for item in group:
            item.accepted = accepted
        return group

    @property
    def source(self) -> str:
        """Where the file is before the change."""
        return self.old_path or self.path

    def result(self) -> str | None:
        """The text to write (None: the file is removed or the change is rejected)."""
        if self.kind == "delete":
            return None if self.accepted else self.before
        if self.kind == "create":
            if not self.accepted:
                return None
            return apply_hunks("", self.hunks)
        return apply_hunks(self.before or "", self.hunks)

    @property
    def is_effective(self) -> bool:
        """Whether anything happens on disk once the review choices are applied."""
        if self.kind in ("create", "delete", "move"):
            return self.accepted
        if self._hunks is None:  # no hunk rejected yet; texts that differ give at least one
            return self.before != self.after
        return any(hunk.accepted for hunk in self._hunks)

    def validate(self) -> None:
        text = self.result()
        # a file moved as it is (say, one that never parsed) is not ours to judge
        if text is not None and self.is_effective and text != self.before:
            check_parses(self.path, text)
            if self.path.endswith(".py") and text != self.after:
                self._check_partial(text)

    def _check_partial(self, text: str) -> None:
        """A partial selection must not read an ``args.<name>`` nobody declares any more."""
        broken = undefined_reads(text) - undefined_reads(self.before or "")
        broken -= undefined_reads(self.after or "")
        if broken:
            names = ", ".join(f"args.{name}" for name in sorted(broken))
            raise ChangeError(
                f"{self.path}: the accepted hunks read {names}, which a rejected hunk declares "
                "(or stops declaring); accept or reject those hunks together"
            )

    def diff(self) -> str:
        """This change as a git-style patch of what is accepted."""
        if not self.is_effective:
            return ""
        after = self.result()
        mode = f"{self.mode:o}"
        a_path, b_path = git_quote(f"a/{self.source}"), git_quote(f"b/{self.path}")
        git_line = f"diff --git {a_path} {b_path}\n"
        if self.kind == "create":
            header = f"{git_line}new file mode {mode}\n"
            body = _unified("/dev/null", f"b/{self.path}", "", after or "")
            return header + body
        if self.kind == "delete":
            header = f"{git_line}deleted file mode {mode}\n"
            return header + _unified(f"a/{self.path}", "/dev/null", self.before or "", "")
        if self.kind == "move":
            similarity = _similarity(self.before or "", after or "")
            header = (
                f"{git_line}similarity index {similarity}%\n"
                f"rename from {git_quote(self.source)}\nrename to {git_quote(self.path)}\n"
            )
            return header + _unified(
                f"a/{self.old_path}", f"b/{self.path}", self.before or "", after or ""
            )
        body = _unified(f"a/{self.path}", f"b/{self.path}", self.before or "", after or "")
        return f"{git_line}{body}" if body else ""


def git_quote(name: str) -> str:
    """A path as git writes it in patch headers: C-quoted when it has non-ASCII, quotes,
    backslashes or control characters (``"a/\\303\\274.py"``), as is otherwise."""
    special = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n"}
    if all(32 <= ord(char) < 127 and char not in special for char in name):
        return name
    out = []
    for char in name:
        if char in special:
            out.append(special[char])
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.extend(f"\\{byte:03o}" for byte in char.encode("utf-8"))
    return '"' + "".join(out) + '"'


def _file_line(marker: str, name: str) -> str:
    """``--- a/x`` / ``+++ b/x``; git ends a name holding a space with a tab."""
    quoted = git_quote(name)
    tail = "\t" if " " in name and quoted == name else ""
    return f"{marker} {quoted}{tail}\n"


def _similarity(before: str, after: str) -> int:
    ratio = similarity(split_lines(before), split_lines(after))
    return int(ratio * 100) if before or after else 100


def _unified(old_name: str, new_name: str, before: str, after: str) -> str:
    hunks = make_hunks(before, after)
    if not hunks:
        return ""
    return (
        _file_line("---", old_name)
        + _file_line("+++", new_name)
        + "".join(hunk.text() for hunk in hunks)
    )


@dataclass
class ChangeSet:
    """Every file change of one migration, in a stable order (by final path)."""

    changes: list[FileChange] = field(default_factory=list)

    def __iter__(self) -> Iterator[FileChange]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return any(change.is_effective for change in self.changes)

    def get(self, path: str) -> FileChange | None:
        return next((change for change in self.changes if change.path == path), None)

    def effective(self) -> list[FileChange]:
        return [change for change in self.changes if change.is_effective]

    def diff(self) -> str:
        """One patch for all accepted changes (``git apply`` accepts it)."""
        return "".join(change.diff() for change in self.effective())

    def validate(self) -> None:
        """Re-parse every result; raises :class:`ChangeError` for the first that fails."""
        for change in self.effective():
            change.validate()

    def paths_touched(self) -> list[str]:
        """Every path the apply writes or removes (both ends of a move)."""
        touched: list[str] = []
        for change in self.effective():
            if change.old_path and change.old_path not in touched:
                touched.append(change.old_path)
            if change.path not in touched:
                touched.append(change.path)
        return touched
