"""The flags a training script already declares, and which of them stands for a channel.

Adding ``--training`` to a parser while the script keeps reading its own ``--train`` trains on
nothing: the backends pass the new flag, nothing reads it. So before the rules add a flag for a
channel, they look for the script's own: one whose default names the channel (``SM_CHANNEL_X``,
``/opt/ml/input/data/x``, a helper called with ``"x"``), else one whose name is the channel's
(``--train`` for ``training``, ``--val-dir`` for ``validation``). Read from the text with a
regex: this runs before the rules' single walk of the tree, and a second walk costs a parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARGUMENT = re.compile(
    r"add_argument\(\s*"
    r"((?:[rbuRBU]?['\"]-{1,2}[\w-]+['\"]\s*,\s*)*[rbuRBU]?['\"]-{1,2}[\w-]+['\"])"
    r"((?:(?!add_argument\().)*?)\)[ \t]*(?:#[^\n]*)?(?:\n|$)",
    re.DOTALL,
)
FLAG = re.compile(r"['\"](-{1,2}[\w-]+)['\"]")
SUFFIXES = ("_data_dir", "_dir", "_data", "_path", "_channel", "_folder", "_files", "_file")
PREFIXES = ("sm_channel_", "channel_", "data_")
MODEL_DIR_STEMS = frozenset({"model_dir", "sm_model_dir", "model_output_dir", "output_model_dir"})


@dataclass(frozen=True)
class DeclaredArgument:
    flags: tuple[str, ...]
    body: str
    """The call's text after the flags (keywords: ``default=…``, ``type=…``)."""

    @property
    def long_flag(self) -> str:
        long = [flag for flag in self.flags if flag.startswith("--")]
        return (long or list(self.flags))[0]

    @property
    def stems(self) -> list[str]:
        return [flag.lstrip("-").lower().replace("-", "_") for flag in self.flags]


def declared_arguments(source: str) -> list[DeclaredArgument]:
    """Every ``add_argument`` call with literal flags, in file order."""
    return [
        DeclaredArgument(tuple(FLAG.findall(flags)), body)
        for flags, body in ARGUMENT.findall(source)
    ]


def _bare(stem: str) -> str:
    for prefix in PREFIXES:
        if stem.startswith(prefix) and len(stem) > len(prefix):
            stem = stem[len(prefix) :]
    for suffix in SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


NOT_A_PATH = re.compile(r"\btype\s*=\s*(?:int|float|bool)\b|action\s*=")


def _names_channel(argument: DeclaredArgument, channel: str) -> bool:
    """The default of the argument reads the channel (any spelling)."""
    body = argument.body
    if f"SM_CHANNEL_{channel.upper()}" in body or f"/input/data/{channel}" in body:
        return True
    if NOT_A_PATH.search(body):
        return False
    # a helper given the channel's name: default=sm_path("train") (not choices=["train", …])
    named = rf"default\s*=\s*[\w.]+\([^)]*['\"]{re.escape(channel)}['\"]"
    return re.search(named, body, re.IGNORECASE) is not None


def _named_like(argument: DeclaredArgument, channel: str) -> bool:
    """``--train``/``--train-dir`` for ``train`` or ``training``; ``--val`` for ``validation``
    (never a number or a switch: ``--test-size`` is not the ``test`` channel)."""
    if NOT_A_PATH.search(argument.body):
        return False
    for stem in argument.stems:
        bare = _bare(stem)
        if channel in (bare, stem):
            return True
        if len(bare) >= 3 and channel.startswith(bare):
            return True
    return False


def channel_argument(arguments: list[DeclaredArgument], channel: str) -> str | None:
    """The script's own flag for ``channel``; None when none (or several) fit."""
    channel = channel.lower()
    for test in (_names_channel, _named_like):
        found = {argument.long_flag for argument in arguments if test(argument, channel)}
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def model_dir_argument(arguments: list[DeclaredArgument]) -> str | None:
    """The script's own model-folder flag (``--model-dir``, ``--sm-model-dir``), None if there
    is none or several. TF script mode's ``--model_dir`` without a default is not one: it is
    the S3 checkpoint URI SageMaker passed (DESIGN.md section 2)."""
    found = []
    for argument in arguments:
        if not any(stem in MODEL_DIR_STEMS for stem in argument.stems):
            continue
        if "--model_dir" in argument.flags and not re.search(
            r"default\s*=\s*(?!None\b)", argument.body
        ):
            continue
        found.append(argument.long_flag)
    return found[0] if len(found) == 1 else None
