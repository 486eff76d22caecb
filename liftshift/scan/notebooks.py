"""Code cells of a Jupyter notebook as parseable Python, line numbers kept.

Launchers live in notebooks more often than in ``.py`` files. IPython syntax (``%magic``,
``!shell``, ``%%cell`` magics, ``x?`` help) is not Python: those lines become ``pass`` with the
same indentation so libcst parses the rest and reported lines still match the cell.
"""

from __future__ import annotations

import json
import re


class NotebookError(ValueError):
    """Not a notebook we can read (bad JSON, no ``cells`` list)."""


_IPYTHON_LINE = re.compile(r"^(\s*)(%|!|\?)")
_HELP_SUFFIX = re.compile(r"^(\s*)[\w.]+\?\??\s*$")


def code_cells(text: str) -> list[tuple[int, str]]:
    """``(index in the notebook's cells, python source)`` for every code cell."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("no `cells` list (nbformat 4 expected)")
    result = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(item for item in source if isinstance(item, str))
        if not isinstance(source, str):
            continue
        result.append((index, python_source(source)))
    return result


def python_source(source: str) -> str:
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "\n".join("" for _ in lines) + "\n"  # a cell magic: the body is not Python
    cleaned = []
    for line in lines:
        match = _IPYTHON_LINE.match(line) or _HELP_SUFFIX.match(line)
        cleaned.append(f"{match.group(1)}pass" if match else line)
    return "\n".join(cleaned) + "\n"
