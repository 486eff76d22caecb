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


def test_a_setup_py_that_fails_is_one_error_with_what_it_printed(
    toy_project: Path, toy_settings: Settings
) -> None:
    setup = toy_project / "setup.py"
    setup.write_text(
        'raise SystemExit("setup.py: TRAINER_VERSION is not set")\n' + setup.read_text()
    )
    with pytest.raises(PackagingError) as failed:
        build_package(toy_project, toy_settings)
    message = str(failed.value)
    assert message.startswith("building the trainer package failed:\n")
    assert "setup.py: TRAINER_VERSION is not set" in message
    assert not list((toy_settings.state_dir / "packages").glob("*/*.tar.gz"))


@pytest.mark.slow
def test_a_backend_not_installed_here_is_built_isolated(
    toy_project: Path, toy_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The isolated build fetches the backend with pip; offline (no index) it cannot, and the
    error is the frontend's own account of that."""
    (toy_project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["liftshift-absent-backend>=1"]\n'
        'build-backend = "liftshift_absent_backend"\n'
    )
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("LIFTSHIFT_CACHE_DIR", str(toy_project.parent / "cache"))
    lines: list[str] = []
    with pytest.raises(PackagingError) as failed:
        build_package(toy_project, toy_settings, reporter=lambda e: lines.append(e.message))
    assert "build backend not installed; building isolated" in lines
    assert "liftshift-absent-backend" in str(failed.value)
