"""A source prefix that matches nothing is almost always a typo (``…/trian``): say so, with the
nearest prefix that does exist, instead of copying nothing and reporting "0 verified"."""

from __future__ import annotations

import difflib

from liftshift.foundation.events import printable
from liftshift.foundation.storage import ObjectStore, StorageError, list_shallow

SEARCH_LEVELS = 3
"""How many folder levels up to look for a neighbour before giving up (each is one listing)."""


class EmptySource(StorageError):
    """The source prefix holds no object."""


def nearest_prefix(store: ObjectStore, prefix: str) -> str | None:
    """The existing key or sub-prefix closest to ``prefix`` (a full URI), looking one folder
    level up at a time; ``None`` if the bucket is empty around it."""
    wanted = prefix.rstrip("/")
    level = wanted
    for _ in range(SEARCH_LEVELS):
        if not level:
            break
        level = level.rpartition("/")[0]
        parent = f"{level}/" if level else ""
        objects, prefixes = list_shallow(store, parent)
        candidates = prefixes + [info.key for info in objects]
        if candidates:
            best = difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.0)
            return store.uri(best[0] if best else candidates[0])
    return None


def empty_source(store: ObjectStore, prefix: str) -> EmptySource:
    """The error for a source prefix with nothing under it, with the nearest prefix as a hint."""
    hint = nearest_prefix(store, prefix)
    where = printable(store.uri(prefix))
    if hint is None:
        return EmptySource(f"{where}: no object under this prefix, and none near it")
    return EmptySource(f"{where}: no object under this prefix; did you mean {printable(hint)}?")
