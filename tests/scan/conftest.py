"""Helpers for scanner tests: small projects written from a {path: text} mapping."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MakeProject = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "project"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        root.mkdir(parents=True, exist_ok=True)
        return root

    return make
