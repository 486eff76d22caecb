"""Line and column of the few nodes a scan reports, without libcst's ``PositionProvider``.

``PositionProvider`` regenerates the whole module's code with position tracking, which costs
about 2.5x the parse (measured with ``bench/scan.py``); a scan reports a handful of nodes per
file. Instead we find each reported node's code in the file text, searching forward from the
start of its top-level statement (known from the stdlib ``ast`` parser, which is ~10x faster
than libcst) and from the last node found (the visitor reports in source order). So a copy of
the same code in an earlier comment or docstring of the *same* top-level statement is the only
thing that can mislead it, and then only to an earlier line of that statement.
"""

from __future__ import annotations

import ast
import bisect
import warnings

import libcst as cst

_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class Locator:
    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        self.text = text
        self.line_starts = [0]
        position = text.find("\n")
        while position != -1:
            self.line_starts.append(position + 1)
            position = text.find("\n", position + 1)
        self.statement_offsets = self._statement_offsets()
        self.cursor = 0
        self.cache: dict[cst.CSTNode, tuple[int, int]] = {}

    def _statement_offsets(self) -> list[int] | None:
        """Text offset of each of ``module.body``'s statements, or None if ast disagrees."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(self.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        lines: list[int] = []
        last_end = 0
        for statement in tree.body:
            start = statement.lineno
            decorators = getattr(statement, "decorator_list", None) or []
            if decorators:
                start = min(start, *(item.lineno for item in decorators))
            if lines and start <= last_end:  # `a = 1; b = 2`: one libcst statement line
                last_end = max(last_end, statement.end_lineno or start)
                continue
            lines.append(start)
            last_end = statement.end_lineno or start
        if len(lines) != len(self.module.body):
            return None
        return [self.line_starts[line - 1] for line in lines if line - 1 < len(self.line_starts)]

    def enter_statement(self, index: int) -> None:
        """Called before visiting ``module.body[index]``: the search starts there."""
        if self.statement_offsets is not None and index < len(self.statement_offsets):
            self.cursor = max(self.cursor, self.statement_offsets[index])

    def locate(self, node: cst.CSTNode) -> tuple[int, int]:
        """(line, column), both 1-based."""
        if node in self.cache:
            return self.cache[node]
        offset = self._find(_search_key(self.module, node))
        line = bisect.bisect_right(self.line_starts, offset)
        result = (line, offset - self.line_starts[line - 1] + 1)
        self.cache[node] = result
        return result

    def _find(self, key: str) -> int:
        if not key:
            return self.cursor
        for candidate in (key, key.splitlines()[0]):
            start = self.cursor
            while True:
                offset = self.text.find(candidate, start)
                if offset == -1:
                    break
                if self._whole(offset, candidate):
                    self.cursor = offset
                    return offset
                start = offset + 1
        return self.cursor

    def _whole(self, offset: int, key: str) -> bool:
        """Not in the middle of a longer name (``import model`` vs ``import models``)."""
        if key[0] in _WORD and offset > 0 and self.text[offset - 1] in _WORD:
            return False
        end = offset + len(key)
        return not (key[-1] in _WORD and end < len(self.text) and self.text[end] in _WORD)


def _search_key(module: cst.Module, node: cst.CSTNode) -> str:
    if isinstance(node, cst.FunctionDef):
        return f"def {node.name.value}"
    if isinstance(node, cst.ClassDef):
        return f"class {node.name.value}"
    return module.code_for_node(node).strip()
