"""One rich console for every command: drawn for a terminal, plain text for a pipe.

A terminal gets rich's layout at its own width. A pipe or a file gets no wrapping and no
padding at all: rich's default width of 80 columns would break paths and URIs in the middle
(and pad highlighted JSON with spaces), and whatever reads the output wants them whole.
"""

from __future__ import annotations

import sys
from typing import Any

PIPE_WIDTH = 100_000
"""Width given to rich when not on a terminal: wide enough that no line is ever wrapped."""


def is_terminal(stderr: bool = False) -> bool:
    stream = sys.stderr if stderr else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def make_console(*, stderr: bool = False) -> Any:
    """A ``rich.console.Console`` on stdout (or stderr) that never wraps or pads in a pipe."""
    from rich.console import Console

    if is_terminal(stderr):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=PIPE_WIDTH, soft_wrap=True)


def print_json_block(console: Any, text: str) -> None:
    """A JSON document inside human output: highlighted on a terminal, as is in a pipe."""
    if is_terminal(console.stderr):
        from rich.syntax import Syntax

        console.print(Syntax(text, "json", word_wrap=True))
    else:
        console.print(text, markup=False, highlight=False)
