"""Tiny pure-Python wheels written on the spot: an offline package index for the tests of
the isolated trainer environment (pip reads them with ``--no-index --find-links``)."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

import pytest


def write_wheel(folder: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """``<name>-<version>-py3-none-any.whl`` in ``folder`` holding ``files`` (path → text)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    contents = dict(files)
    contents[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    contents[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: liftshift-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    rows = []
    for path, text in contents.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(data)}")
    contents[f"{info}/RECORD"] = "\n".join([*rows, f"{info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
    return wheel


def use_offline_wheelhouse(monkeypatch: pytest.MonkeyPatch, wheelhouse: Path, home: Path) -> None:
    """pip sees only ``wheelhouse`` (no index, no machine-wide pip config) and a fresh
    ``HOME``, so a test can tell that nothing went to ``~/.cache/pip``."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip then loads no config file
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
