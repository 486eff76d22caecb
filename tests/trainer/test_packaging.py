"""Packaging builds an sdist with the standard tooling, keyed by content, without touching the
user's tree; the local environment inherits installed libraries."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.trainer.localenv import missing_requirements, package_requirements
from liftshift.trainer.packaging import PackagingError, build_package, content_hash


@pytest.mark.slow
def test_build_is_keyed_by_content(toy_project: Path, toy_settings: Settings) -> None:
    first = build_package(toy_project, toy_settings)
    with tarfile.open(first.path) as archive:
        names = archive.getnames()
    assert "trainer-0.1/trainer/task.py" in names
    assert not any("data/" in n for n in names)
    assert not list(toy_project.glob("*.egg-info"))  # built from a copy
    assert build_package(toy_project, toy_settings).path == first.path
    task = toy_project / "trainer" / "task.py"
    task.write_text(task.read_text() + "\n# changed\n")
    changed = build_package(toy_project, toy_settings)
    assert changed.content_hash != first.content_hash and not changed.reused
    assert package_requirements(changed.path) == []


def test_hash_ignores_bytecode(toy_project: Path) -> None:
    before = content_hash(toy_project)
    cache = toy_project / "trainer" / "__pycache__"
    cache.mkdir()
    (cache / "task.cpython-311.pyc").write_bytes(b"x")
    assert content_hash(toy_project) == before


def test_not_migrated_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="liftshift migrate"):
        content_hash(tmp_path)
    (tmp_path / "trainer").mkdir()
    (tmp_path / "trainer" / "__init__.py").write_text("")
    with pytest.raises(PackagingError, match=r"no setup\.py or pyproject\.toml"):
        content_hash(tmp_path)


def test_requirements_already_installed_are_not_reinstalled() -> None:
    assert missing_requirements(["click>=1", "tensorflow>=2.14", "pandas"]) == []
    assert missing_requirements(["click<1"]) == ["click<1"]
    assert missing_requirements(["surely-not-installed-pkg"]) == ["surely-not-installed-pkg"]
    assert missing_requirements(["pywin32; sys_platform == 'win32'"]) == []
