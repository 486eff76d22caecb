"""Build the migrated trainer as a source distribution and put it in the staging bucket.

The sdist is built by the standard tooling (``build``, with the project's own ``setup.py`` or
``pyproject.toml``), never hand-tarred, so what Vertex pip-installs is what the user would build.
It is keyed by a hash of its inputs: an unchanged trainer is neither rebuilt nor re-uploaded,
which keeps a warm ``liftshift train`` within a second or two of running the script directly.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.foundation.statedir import make_dirs, make_private
from liftshift.trainer.jobs import StepProgress

BUILD_FILES = ("setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "requirements.txt")
PACKAGES_PREFIX = "liftshift/packages"
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}


class PackagingError(RuntimeError):
    """The trainer package is missing or does not build; the message holds the builder's
    last output lines."""


@dataclass(frozen=True)
class BuiltPackage:
    path: Path
    """The local sdist: ``<cache>/packages/<hash>/<name>-<version>.tar.gz``."""
    content_hash: str
    reused: bool

    @property
    def filename(self) -> str:
        return self.path.name

    def gcs_uri(self, staging_bucket: str) -> str:
        return f"gs://{staging_bucket}/{self.object_name}"

    @property
    def object_name(self) -> str:
        return f"{PACKAGES_PREFIX}/{self.content_hash}/{self.filename}"


def cache_root(settings: Settings) -> Path:
    """Where built packages and trainer environments are cached, keyed by content hash:
    ``<project>/.liftshift`` by default, or ``$LIFTSHIFT_CACHE_DIR`` to share them between
    projects (identical trainers then build once; the tests use this)."""
    shared = os.environ.get("LIFTSHIFT_CACHE_DIR")
    return Path(shared) if shared else settings.state_dir


def pip_cache_dir(settings: Settings) -> Path:
    """pip's download and wheel cache for trainer environments: ``<cache root>/pip`` (the
    project's ``.liftshift/``, or ``$LIFTSHIFT_CACHE_DIR``), so liftshift writes nothing to
    the user's ``~/.cache/pip``, and a second project on the same cache root downloads
    nothing again."""
    return make_dirs(cache_root(settings) / "pip")


def content_hash(project_dir: Path, package: str = "trainer") -> str:
    """SHA-256 (first 16 hex digits) over the build files and every file of the package."""
    project_dir = Path(project_dir)
    package_dir = project_dir / package.replace(".", "/")
    if not (package_dir / "__init__.py").is_file():
        raise PackagingError(
            f"{package_dir}: no trainer package here; run `liftshift migrate "
            f"{project_dir} --apply` first"
        )
    digest = hashlib.sha256()
    files = [project_dir / name for name in BUILD_FILES if (project_dir / name).is_file()]
    if not any(f.name in ("setup.py", "pyproject.toml") for f in files):
        raise PackagingError(
            f"{project_dir}: no setup.py or pyproject.toml to build the trainer package with; "
            "run `liftshift migrate --apply` (it writes one)"
        )
    for root, dirs, names in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        files += [Path(root) / n for n in sorted(names) if not n.endswith((".pyc", ".pyo"))]
    for path in files:
        digest.update(path.relative_to(project_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def build_package(
    project_dir: Path,
    settings: Settings,
    *,
    package: str = "trainer",
    reporter: Reporter = ignore,
) -> BuiltPackage:
    """The sdist for the project's trainer, built only when its inputs changed."""
    started = time.perf_counter()
    project_dir = Path(project_dir)
    key = content_hash(project_dir, package)
    out_dir = cache_root(settings) / "packages" / key
    existing = sorted(out_dir.glob("*.tar.gz")) if out_dir.is_dir() else []
    if existing:
        reporter(StepProgress("build", f"package unchanged: {existing[0].name} ({key})"))
        return BuiltPackage(existing[0], key, reused=True)
    reporter(StepProgress("build", f"building the {package} package"))
    with tempfile.TemporaryDirectory(prefix="liftshift-build-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "src"
        # Build from a copy: setuptools writes *.egg-info next to setup.py, which would dirty the
        # user's tree (and their git status) on every run.
        # Only the build inputs are copied: a project folder may also hold gigabytes of data.
        _copy_build_inputs(project_dir, source, package)
        dist = tmp_path / "dist"
        attempt = build_here(source, "sdist", dist)
        if attempt.backend_missing:
            # The project's build backend (hatchling, poetry-core…) is not installed here:
            # let build fetch it into an isolated environment, as pip would on Vertex.
            reporter(StepProgress("build", "build backend not installed; building isolated"))
            shutil.rmtree(dist, ignore_errors=True)
            result = _run_build(source, dist, tmp_path, pip_cache=pip_cache_dir(settings))
            attempt = BuildAttempt(result.returncode == 0, False, result.stdout + result.stderr)
        built = sorted(dist.glob("*.tar.gz"))
        if not attempt.ok or not built:
            raise PackagingError(f"building the trainer package failed:\n{attempt.tail()}")
        make_dirs(out_dir)
        target = out_dir / built[0].name
        tmp_target = out_dir / f".{built[0].name}.tmp"
        shutil.copyfile(built[0], tmp_target)
        make_private(tmp_target)
        os.replace(tmp_target, target)
    seconds = time.perf_counter() - started
    reporter(StepProgress("build", f"built {target.name} ({key})", seconds))
    return BuiltPackage(target, key, reused=False)


def upload_package(
    built: BuiltPackage, settings: Settings, staging_bucket: str, *, reporter: Reporter = ignore
) -> str:
    """Put the sdist at ``gs://<staging>/liftshift/packages/<hash>/<file>``; skip if present.

    On the ``local`` target the bucket is a folder under the local storage root; on ``gcp``
    the upload goes through :func:`liftshift.foundation.clients.gcs_client` (emulators included).
    """
    uri = built.gcs_uri(staging_bucket)
    if settings.target == "local":
        target = settings.local_storage_root / "gcs" / staging_bucket / built.object_name
        if target.is_file() and target.stat().st_size == built.path.stat().st_size:
            reporter(StepProgress("upload", f"package already staged: {uri}"))
            return uri
        make_dirs(target.parent)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(built.path, tmp)
        make_private(tmp)
        os.replace(tmp, target)
        reporter(StepProgress("upload", f"staged {uri}"))
        return uri
    from google.api_core.exceptions import Forbidden, NotFound

    from liftshift.foundation.clients import gcs_client

    client = gcs_client(settings)
    bucket = client.bucket(staging_bucket)
    try:
        if not bucket.exists():
            raise PackagingError(
                f"staging bucket gs://{staging_bucket} does not exist; create it with "
                f"`gcloud storage buckets create gs://{staging_bucket} "
                f"--location {settings.gcp.region}` or pass --staging-bucket"
            )
        blob = bucket.blob(built.object_name)
        if blob.exists():
            reporter(StepProgress("upload", f"package already staged: {uri}"))
            return uri
    except Forbidden as exc:
        raise PackagingError(
            f"no access to staging bucket gs://{staging_bucket}: {exc.message}"
        ) from exc
    except NotFound as exc:  # pragma: no cover - exists() answers False instead
        raise PackagingError(f"staging bucket gs://{staging_bucket} not found") from exc
    started = time.perf_counter()
    blob.upload_from_filename(str(built.path), content_type="application/gzip")
    reporter(StepProgress("upload", f"uploaded {uri}", time.perf_counter() - started))
    return uri


@dataclass(frozen=True)
class BuildAttempt:
    ok: bool
    backend_missing: bool
    """The build backend or a requirement of it is not installed here (build isolated)."""
    output: str
    """What the backend (or the frontend) printed, for the error message."""

    def tail(self, lines: int = 15) -> str:
        """The end of :attr:`output`: where a failed build says why."""
        return "\n".join(self.output.strip().splitlines()[-lines:])


def build_here(source: Path, distribution: str, out_dir: Path) -> BuildAttempt:
    """The ``distribution`` (``sdist`` or ``wheel``) of ``source`` built into ``out_dir`` with
    the backend installed here, through ``build``'s API in this process: only the backend's
    build hook runs in a subprocess (``python -m build --no-isolation`` also started a frontend
    process and asked the backend for its requirements first; they are asked here only when
    the build fails, to tell a missing requirement from a broken project)."""
    from build import BuildBackendException, BuildException, ProjectBuilder, check_dependency
    from pyproject_hooks import BackendUnavailable

    printed: list[str] = []

    def run_hook(
        command: list[str], cwd: str | None = None, extra_environ: dict[str, str] | None = None
    ) -> None:
        env = {**os.environ, "SETUPTOOLS_USE_DISTUTILS": "local", **(extra_environ or {})}
        result = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        printed.append(result.stdout + result.stderr)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, command)

    def unmet(requirements: set[str]) -> list[str]:
        return sorted(r for r in requirements if next(check_dependency(r), None))

    try:
        builder = ProjectBuilder(source, python_executable=sys.executable, runner=run_hook)
    except BuildException as exc:  # an invalid pyproject.toml [build-system] table
        return BuildAttempt(False, False, str(exc))
    missing_here = unmet(builder.build_system_requires)
    if missing_here:
        listed = ", ".join(missing_here)
        return BuildAttempt(False, True, f"build requirements not installed: {listed}")
    try:
        builder.build(distribution, out_dir)
    except BuildBackendException as exc:
        missing = isinstance(exc.exception, BackendUnavailable)
        if not missing:
            try:
                missing = bool(unmet(builder.get_requires_for_build(distribution)))
            except BuildBackendException:
                missing = False
        return BuildAttempt(False, missing, "\n".join([*printed, str(exc)]))
    return BuildAttempt(True, False, "\n".join(printed))


def _run_build(
    source: Path, dist: Path, cwd: Path, *, pip_cache: Path
) -> subprocess.CompletedProcess[str]:
    """``python -m build --sdist`` in an isolated build environment whose backend pip fetches
    into ``pip_cache``."""
    command = [sys.executable, "-m", "build", "--sdist", "--outdir", str(dist), str(source)]
    env = {**os.environ, "SETUPTOOLS_USE_DISTUTILS": "local", "PIP_CACHE_DIR": str(pip_cache)}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, check=False)


def _copy_build_inputs(project_dir: Path, source: Path, package: str) -> None:
    source.mkdir(parents=True)
    top = package.split(".", maxsplit=1)[0]
    shutil.copytree(
        project_dir / top,
        source / top,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )
    for path in project_dir.iterdir():
        if path.is_file() and (path.name in BUILD_FILES or path.name.upper().startswith("README")):
            shutil.copy2(path, source / path.name)
