"""The local target's stand-ins for Vertex: trainer environments, bucket paths, sample data.

A trainer runs in a fresh virtual environment per package hash, as on Vertex where the sdist is
pip-installed into the training image. The venv *inherits* the libraries of the environment
liftshift runs in (a ``site.addsitedir`` line in a ``.pth`` file; ``--system-site-packages``
alone would skip them when liftshift itself lives in a venv), so nothing is downloaded when the
requirements are already there, and a warm run reuses the environment in milliseconds.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import venv
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.foundation.statedir import make_dirs
from liftshift.trainer.jobs import StepProgress
from liftshift.trainer.packaging import BuiltPackage, cache_root

_READY = ".liftshift-ready"

# Distributions that provide the same import as the requirement's name.
_EQUIVALENT_DISTS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"),
    "torch": ("torch",),
}


class EnvironmentSetupError(RuntimeError):
    """The trainer package could not be installed; the message holds pip's last lines."""


def local_path(settings: Settings, uri: str) -> Path:
    """``gs://bucket/key`` → ``<local_storage_root>/gcs/bucket/key`` (``s3://`` likewise)."""
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme not in ("gs", "s3"):
        return Path(uri)
    bucket, _, key = rest.partition("/")
    return settings.local_storage_root / ("gcs" if scheme == "gs" else "s3") / bucket / key


def localize_arg(settings: Settings, arg: str) -> str:
    return str(local_path(settings, arg)) if arg.startswith(("gs://", "s3://")) else arg


def seed_sample_data(
    settings: Settings,
    samples: tuple[tuple[str, str], ...],
    *,
    reporter: Reporter = ignore,
) -> list[str]:
    """Seed each channel's local "GCS" destination from the project's sample data when it is
    empty, so the examples train locally even before a sync. Existing data is never touched."""
    from liftshift.sync.channels import seed_if_empty

    seeded = []
    for destination, sample in samples:
        source = (settings.project_dir / sample).resolve()
        if source.exists() and seed_if_empty(destination, source, settings) is not None:
            reporter(StepProgress("data", f"seeded {destination} from {sample}"))
            seeded.append(destination)
    return seeded


def venv_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(
    built: BuiltPackage, settings: Settings, *, reporter: Reporter = ignore
) -> Path:
    """A virtual environment with ``built`` installed; cached by package hash. Returns its
    python executable."""
    env_dir = cache_root(settings) / "venvs" / built.content_hash
    python = venv_python(env_dir)
    if (env_dir / _READY).is_file():
        reporter(StepProgress("environment", f"reusing environment {built.content_hash}"))
        return python
    started = time.perf_counter()
    reporter(StepProgress("environment", f"creating environment {built.content_hash}"))
    tmp_dir = env_dir.with_name(f".{env_dir.name}.{os.getpid()}.tmp")
    make_dirs(tmp_dir.parent)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt", clear=True).create(tmp_dir)
    _inherit_site_packages(tmp_dir)
    tmp_python = venv_python(tmp_dir)
    _pip(tmp_python, ["install", "--no-deps", "--no-build-isolation", str(built.path)])
    missing = missing_requirements(package_requirements(built.path))
    if missing:
        reporter(StepProgress("environment", f"installing {', '.join(missing)}"))
        _pip(tmp_python, ["install", *missing])
    (tmp_dir / _READY).write_text(str(built.path), encoding="utf-8")
    if env_dir.exists():  # another run won the race; use theirs
        shutil.rmtree(tmp_dir, ignore_errors=True)
    else:
        os.replace(tmp_dir, env_dir)
    reporter(StepProgress("environment", "environment ready", time.perf_counter() - started))
    return python


def _inherit_site_packages(env_dir: Path) -> None:
    purelib = Path(
        sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)})
    )
    purelib.mkdir(parents=True, exist_ok=True)
    parents = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    lines = [f"import site; site.addsitedir({str(p)!r})" for p in parents]
    (purelib / "liftshift-inherit.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pip(python: Path, args: list[str]) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "--disable-pip-version-check",
        "--no-input",
        "-q",
        *args,
    ]
    env = {**os.environ, "SETUPTOOLS_USE_DISTUTILS": "local", "PIP_NO_WARN_SCRIPT_LOCATION": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise EnvironmentSetupError(f"installing the trainer package failed:\n{tail}")


def package_requirements(sdist: Path) -> list[str]:
    """``install_requires`` of an sdist, from its ``*.egg-info/requires.txt`` (setuptools) or
    its ``PKG-INFO`` ``Requires-Dist`` lines (other backends)."""
    requirements: list[str] = []
    with tarfile.open(sdist) as archive:
        members = archive.getmembers()
        for member in members:
            if member.name.endswith(".egg-info/requires.txt"):
                handle = archive.extractfile(member)
                text = handle.read().decode("utf-8") if handle else ""
                for line in text.splitlines():
                    if line.startswith("["):
                        break
                    if line.strip():
                        requirements.append(line.strip())
                return requirements
        for member in members:
            if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                handle = archive.extractfile(member)
                text = handle.read().decode("utf-8") if handle else ""
                requirements += [
                    line.split(":", 1)[1].strip()
                    for line in text.splitlines()
                    if line.startswith("Requires-Dist:") and "extra ==" not in line
                ]
    return requirements


def missing_requirements(requirements: list[str]) -> list[str]:
    """The requirements not already satisfied by the environment liftshift runs in."""
    missing = []
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            missing.append(text)
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = requirement.name.lower().replace("_", "-")
        for dist in _EQUIVALENT_DISTS.get(name, (name,)):
            try:
                version = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
            if not requirement.specifier or requirement.specifier.contains(
                version, prereleases=True
            ):
                break
        else:
            missing.append(text)
    return missing
