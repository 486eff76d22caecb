"""Line diffs whose cost follows the size of the change, not the square of the file.

difflib's ``SequenceMatcher(autojunk=False)`` finds the longest matching block by looking at
every occurrence of every line, so on a long file full of blank lines and ``return`` it is
quadratic (a 0.5 MiB script took a minute). A codemod changes a few dozen lines of a file, so
here the file is first cut where it did not change: the common head and tail, then lines that
occur exactly once on each side, in the same order (the "patience" anchors). difflib then runs
only on the small regions between anchors. Small files, where difflib is fast, go to difflib
whole, so its output (and every hunk a user has already reviewed) stays exactly the same.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Iterator, Sequence

Opcode = tuple[str, int, int, int, int]
"""``(tag, i1, i2, j1, j2)`` as difflib names them: ``old[i1:i2]`` becomes ``new[j1:j2]``."""

EXACT_LIMIT = 4_000_000
"""Line pairs (old lines x new lines) up to which a region goes to difflib whole: about a
2,000-line file, well under a second even when it is full of repeated lines."""


def line_opcodes(old: Sequence[str], new: Sequence[str]) -> list[Opcode]:
    """Opcodes turning ``old`` into ``new``, like ``SequenceMatcher.get_opcodes()``."""
    if len(old) * len(new) <= EXACT_LIMIT:
        return difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    codes: list[Opcode] = []
    _diff(old, new, 0, len(old), 0, len(new), codes)
    return _merged(codes)


def similarity(old: Sequence[str], new: Sequence[str]) -> float:
    """Share of lines in common, ``2 * matched / (len(old) + len(new))`` like difflib's ratio."""
    if len(old) * len(new) <= EXACT_LIMIT:
        return difflib.SequenceMatcher(None, old, new).ratio()
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in line_opcodes(old, new) if tag == "equal")
    total = len(old) + len(new)
    return 2.0 * matched / total if total else 1.0


def grouped(codes: list[Opcode], context: int) -> Iterator[list[Opcode]]:
    """Opcodes cut into hunks with ``context`` equal lines around each change (the grouping
    of ``SequenceMatcher.get_grouped_opcodes``)."""
    codes = list(codes) or [("equal", 0, 1, 0, 1)]
    tag, i1, i2, j1, j2 = codes[0]
    if tag == "equal":
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    tag, i1, i2, j1, j2 = codes[-1]
    if tag == "equal":
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        start_i, start_j = i1, j1
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            yield group
            group = []
            start_i, start_j = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, start_i, i2, start_j, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _diff(  # noqa: PLR0917 (a region is two ranges)
    old: Sequence[str], new: Sequence[str], a1: int, a2: int, b1: int, b2: int, out: list[Opcode]
) -> None:
    head = 0
    while a1 + head < a2 and b1 + head < b2 and old[a1 + head] == new[b1 + head]:
        head += 1
    tail = 0
    while (
        a2 - tail > a1 + head and b2 - tail > b1 + head and old[a2 - tail - 1] == new[b2 - tail - 1]
    ):
        tail += 1
    if head:
        out.append(("equal", a1, a1 + head, b1, b1 + head))
    _diff_middle(old, new, a1 + head, a2 - tail, b1 + head, b2 - tail, out)
    if tail:
        out.append(("equal", a2 - tail, a2, b2 - tail, b2))


def _diff_middle(  # noqa: PLR0917
    old: Sequence[str], new: Sequence[str], a1: int, a2: int, b1: int, b2: int, out: list[Opcode]
) -> None:
    if a1 == a2 or b1 == b2:
        if a1 < a2 or b1 < b2:
            out.append(("delete" if b1 == b2 else "insert", a1, a2, b1, b2))
        return
    if (a2 - a1) * (b2 - b1) <= EXACT_LIMIT:
        matcher = difflib.SequenceMatcher(None, old[a1:a2], new[b1:b2], autojunk=False)
        out.extend((t, a1 + i, a1 + j, b1 + k, b1 + m) for t, i, j, k, m in matcher.get_opcodes())
        return
    anchors = _anchors(old, new, a1, a2, b1, b2)
    if not anchors:  # nothing unique to cut at: difflib's own heuristic for popular lines
        matcher = difflib.SequenceMatcher(None, old[a1:a2], new[b1:b2])
        out.extend((t, a1 + i, a1 + j, b1 + k, b1 + m) for t, i, j, k, m in matcher.get_opcodes())
        return
    i, j = a1, b1
    for anchor_i, anchor_j in anchors:
        _diff(old, new, i, anchor_i, j, anchor_j, out)
        out.append(("equal", anchor_i, anchor_i + 1, anchor_j, anchor_j + 1))
        i, j = anchor_i + 1, anchor_j + 1
    _diff(old, new, i, a2, j, b2, out)


def _anchors(  # noqa: PLR0917
    old: Sequence[str], new: Sequence[str], a1: int, a2: int, b1: int, b2: int
) -> list[tuple[int, int]]:
    """Lines found exactly once in each region, the longest run of them in the same order."""
    old_counts = Counter(old[a1:a2])
    new_counts = Counter(new[b1:b2])
    where_new = {
        line: index
        for index, line in enumerate(new[b1:b2], b1)
        if new_counts[line] == 1 and old_counts[line] == 1
    }
    pairs = [
        (index, where_new[line]) for index, line in enumerate(old[a1:a2], a1) if line in where_new
    ]
    # Longest increasing subsequence of the new positions (patience sorting, n log n).
    tops: list[int] = []
    top_index: list[int] = []
    previous: list[int] = [-1] * len(pairs)
    for position, (_, j) in enumerate(pairs):
        pile = bisect.bisect_left(tops, j)
        if pile:
            previous[position] = top_index[pile - 1]
        if pile == len(tops):
            tops.append(j)
            top_index.append(position)
        else:
            tops[pile] = j
            top_index[pile] = position
    chain: list[tuple[int, int]] = []
    position = top_index[-1] if top_index else -1
    while position >= 0:
        chain.append(pairs[position])
        position = previous[position]
    return chain[::-1]


def _merged(codes: list[Opcode]) -> list[Opcode]:
    """Adjacent opcodes of one kind joined; adjacent changes joined into one ``replace``."""
    out: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if i1 == i2 and j1 == j2:
            continue
        if out and (out[-1][0] == "equal") == (tag == "equal"):
            last_tag, k1, _, m1, _ = out[-1]
            if tag != "equal":
                last_tag = "delete" if m1 == j2 else "insert" if k1 == i2 else "replace"
            out[-1] = (last_tag, k1, i2, m1, j2)
            continue
        out.append((tag, i1, i2, j1, j2))
    return out
