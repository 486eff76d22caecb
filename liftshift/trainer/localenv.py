"""The local target's stand-ins for Vertex: trainer environments, bucket paths, sample data.

A trainer runs in a fresh virtual environment per package hash, as on Vertex where the sdist is
pip-installed into the training image (here: the wheel pip builds from that sdist, built with the
same backend hook and unpacked in-process). Two ways to fill the rest (``LIFTSHIFT_TRAINER_ENV``):

- ``isolated`` (the default, mirrors the container): the package's declared requirements plus
  the framework at the training container's version (the nearest version that installs on this
  Python when that one does not, said in one line) go into a dependency venv cached by that
  requirement set; the package venv inherits only that one, so a trainer sees no library it did
  not declare, as on Vertex. The first run downloads; a warm run reuses the venv;
- ``inherit`` (the explicit speed option): the venv *inherits* the libraries of the environment
  liftshift runs in (a ``site.addsitedir`` line in a ``.pth`` file; ``--system-site-packages``
  alone would skip them when liftshift itself lives in a venv), so nothing is downloaded when
  the requirements are already there.

pip's download and wheel cache lives beside the venvs (``<cache root>/pip``), never in the
user's ``~/.cache``; pip's own ``PIP_INDEX_URL``/``PIP_FIND_LINKS``/``PIP_NO_INDEX`` variables
are honoured (an offline wheelhouse, a private index).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import venv
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.settings import Settings
from liftshift.foundation.statedir import make_dirs
from liftshift.trainer.jobs import StepProgress
from liftshift.trainer.packaging import BuiltPackage, build_here, cache_root, pip_cache_dir

_READY = ".liftshift-ready"

# Distributions that provide the same import as the requirement's name.
_EQUIVALENT_DISTS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"),
    "torch": ("torch",),
}


ENV_MODE_VARIABLE = "LIFTSHIFT_TRAINER_ENV"
INHERIT, ISOLATED = "inherit", "isolated"
FRAMEWORK_DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "tensorflow": "tensorflow",
    "pytorch": "torch",
    "xgboost": "xgboost",
    "mxnet": "mxnet",
    "huggingface": "transformers",
}
"""The distribution a SageMaker framework's ``framework_version`` names."""
NUMPY2_SINCE = {
    "scikit-learn": (1, 4, 2),
    "tensorflow": (2, 16),
    "torch": (2, 3),
    "xgboost": (2, 1),
    "mxnet": (99,),
}
"""The first release built against numpy 2: older ones get ``numpy<2``, as their containers
have (pip would otherwise pick numpy 2 and the compiled modules fail to import)."""


class EnvironmentSetupError(RuntimeError):
    """The trainer package could not be installed; the message holds pip's last lines."""


def environment_mode() -> str:
    """``isolated`` or ``inherit``, from ``LIFTSHIFT_TRAINER_ENV`` (default ``isolated``)."""
    value = os.environ.get(ENV_MODE_VARIABLE, "").strip().lower() or ISOLATED
    if value not in (INHERIT, ISOLATED):
        raise EnvironmentSetupError(
            f"{ENV_MODE_VARIABLE}={value!r}: expected {ISOLATED!r} (install what the trainer "
            f"declares, like the container) or {INHERIT!r} (reuse liftshift's libraries, fast)"
        )
    return value


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+", maxsplit=1)[0])[:3])


def nearest_version(wanted: str, available: list[str]) -> str | None:
    """The newest release of ``wanted``'s major.minor in ``available``; else the release whose
    major.minor is nearest (a newer one wins a tie); None when there is none. Pre-releases are
    never chosen."""
    finals = [v for v in available if re.fullmatch(r"[\d.]+(\.post\d+)?", v)]
    if not finals:
        return None
    target = _release(wanted)[:2]
    same = [v for v in finals if _release(v)[:2] == target]
    if same:
        return max(same, key=_release)

    def distance(version: str) -> tuple[int, int, tuple[int, ...]]:
        major, minor = ((*_release(version), 0, 0))[:2]
        gap = abs(major - target[0]) * 1000 + abs(minor - target[1])
        return (gap, 0 if (major, minor) > target else 1, tuple(-n for n in _release(version)))

    return min(finals, key=distance)


def framework_requirements(
    framework: str,
    version: str,
    python: Path,
    *,
    reporter: Reporter = ignore,
    cache: Path | None = None,
    pip_cache: Path | None = None,
) -> list[str]:
    """``[dist==X.Y.Z]`` for the training container's framework version (or the nearest
    version that installs on ``python``, reported in one line), plus ``numpy<2`` for releases
    built before numpy 2; [] without a framework version. ``cache`` (a JSON file) keeps the
    resolved pin, so a warm run asks the package index nothing; ``pip_cache`` is pip's cache
    folder (:func:`pip_cache_dir`)."""
    if not FRAMEWORK_DISTRIBUTIONS.get(framework) or not version:
        return []
    key = f"{framework} {version} py{sys.version_info[0]}.{sys.version_info[1]}"
    known: dict[str, list[str]] = {}
    if cache is not None and cache.is_file():
        with contextlib.suppress(ValueError, OSError):
            known = json.loads(cache.read_text(encoding="utf-8"))
    entry = known.get(key)
    fresh = not (isinstance(entry, list) and len(entry) == 2)
    pin, message = _framework_pin(framework, version, python, pip_cache) if fresh else entry
    reporter(StepProgress("environment", message))
    if cache is not None and fresh:
        write_atomic(cache, json.dumps({**known, key: [pin, message]}, indent=2, sort_keys=True))
    dist, _, chosen = pin.partition("==")
    if _release(chosen) < NUMPY2_SINCE.get(dist, (0,)):
        return [pin, "numpy<2"]
    return [pin]


def _framework_pin(
    framework: str, version: str, python: Path, pip_cache: Path | None
) -> tuple[str, str]:
    """(``dist==X.Y.Z``, the one line that says which and why) from the package index."""
    dist = FRAMEWORK_DISTRIBUTIONS[framework]
    wanted = ".".join(version.split("-", maxsplit=1)[0].split(".")[:2])
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "index", "versions"]
    if Path(python) != Path(sys.executable):  # pip re-runs itself in that Python: one more process
        command[3:3] = ["--python", str(python)]
    result = subprocess.run(
        [*command, dist], capture_output=True, text=True, env=_pip_env(pip_cache), check=False
    )
    listed = re.search(r"Available versions: (.+)", result.stdout)
    available = [v.strip() for v in listed.group(1).split(",")] if listed else []
    chosen = nearest_version(wanted, available)
    if chosen is None:
        said = (result.stderr.strip().splitlines() or [""])[-1]
        raise EnvironmentSetupError(
            f"no installable {dist} for this Python (the container has {wanted})"
            + (f": pip says {said!r}" if said else "")
            + f"; set {ENV_MODE_VARIABLE}={INHERIT} to train on the {dist} installed here"
        )
    if _release(chosen)[:2] == _release(wanted)[:2]:
        return f"{dist}=={chosen}", f"{dist} {chosen} (the container's {wanted})"
    return f"{dist}=={chosen}", (
        f"{dist} {wanted} (the container's) does not install on this Python; "
        f"nearest installable: {chosen}"
    )


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
    built: BuiltPackage,
    settings: Settings,
    *,
    reporter: Reporter = ignore,
    framework: tuple[str, str] | None = None,
) -> Path:
    """A virtual environment with ``built`` installed; cached by package hash (and, when
    isolated, by the requirement set). ``framework`` is the plan's (name, version); None
    (serving a registered version) means the environment this package last trained in, so
    a model is loaded by the library version that saved it. Returns its python executable."""
    if environment_mode() == ISOLATED:
        if framework is None:
            trained = _last_isolated_environment(built, settings)
            if trained is not None:
                reporter(StepProgress("environment", f"reusing environment {built.content_hash}"))
                return venv_python(trained)
        deps = _dependency_environment(built, settings, framework or ("", ""), reporter)
        return _package_environment(
            built, settings, f"{built.content_hash}-{deps.name}", [deps], reporter
        )
    return _package_environment(built, settings, built.content_hash, None, reporter)


def model_environment(
    built: BuiltPackage, settings: Settings, *, reporter: Reporter = ignore
) -> Path:
    """The python standing in for a prebuilt prediction container serving a model ``built``
    trained. Isolated: the dependency venv under the environment the package last trained in
    (the framework at the version that saved the model, and the declared requirements), not
    the package's own venv, since that container does not install the trainer. Inherit:
    liftshift's own python, whose libraries the trainer saw. Returns its python executable."""
    if environment_mode() != ISOLATED:
        return Path(sys.executable)
    package_env = ensure_environment(built, settings, reporter=reporter).parent.parent
    dependencies = package_env.with_name(package_env.name.removeprefix(f"{built.content_hash}-"))
    if not dependencies.name.startswith("deps-") or not (dependencies / _READY).is_file():
        raise EnvironmentSetupError(
            f"{dependencies}: the libraries under {package_env.name} are missing; delete "
            f"{package_env} and predict again (it is rebuilt)"
        )
    return venv_python(dependencies)


def _last_isolated_environment(built: BuiltPackage, settings: Settings) -> Path | None:
    """The newest ready isolated environment of this package build, if any."""
    folder = cache_root(settings) / "venvs"
    ready = [
        env_dir
        for env_dir in folder.glob(f"{built.content_hash}-deps-*")
        if (env_dir / _READY).is_file()
    ]
    return max(ready, key=lambda env_dir: (env_dir / _READY).stat().st_mtime, default=None)


def _dependency_environment(
    built: BuiltPackage, settings: Settings, framework: tuple[str, str], reporter: Reporter
) -> Path:
    """The venv holding the package's declared requirements and the framework pin, with no
    other library; cached by that set."""
    requirements = sorted(package_requirements(built.path))
    python = Path(sys.executable)  # the interpreter the venvs are made from
    pins_cache = cache_root(settings) / "venvs" / "framework-pins.json"
    pip_cache = pip_cache_dir(settings)
    pins = framework_requirements(
        *framework, python, reporter=reporter, cache=pins_cache, pip_cache=pip_cache
    )
    names = {_requirement_name(pin) for pin in pins}
    requirements = [r for r in requirements if _requirement_name(r) not in names] + pins
    key_text = "\n".join([f"python {sys.version_info[0]}.{sys.version_info[1]}", *requirements])
    key = "deps-" + hashlib.sha256(key_text.encode()).hexdigest()[:16]
    env_dir = cache_root(settings) / "venvs" / key
    if (env_dir / _READY).is_file():
        reporter(StepProgress("environment", f"reusing dependencies {key}"))
        return env_dir
    started = time.perf_counter()
    shown = ", ".join(requirements) or "nothing declared"
    where = _shown_path(env_dir, settings)
    reporter(
        StepProgress(
            "environment",
            f"installing the trainer's requirements into {where} (first run only; later runs "
            f"reuse it): {shown}",
        )
    )
    tmp_dir = env_dir.with_name(f".{env_dir.name}.{os.getpid()}.tmp")
    make_dirs(tmp_dir.parent)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt", clear=True).create(tmp_dir)
    if requirements:
        _pip(venv_python(tmp_dir), ["install", *requirements], pip_cache)
    (tmp_dir / _READY).write_text(key_text, encoding="utf-8")
    if env_dir.exists():
        shutil.rmtree(tmp_dir, ignore_errors=True)
    else:
        os.replace(tmp_dir, env_dir)
    seconds = time.perf_counter() - started
    reporter(StepProgress("environment", f"dependencies ready in {seconds:.0f} s"))
    return env_dir


def _shown_path(path: Path, settings: Settings) -> str:
    """``path`` relative to the project when it is inside it (``.liftshift/venvs/…``)."""
    try:
        return str(path.relative_to(settings.project_dir))
    except ValueError:
        return str(path)


def _requirement_name(text: str) -> str:
    try:
        return Requirement(text).name.lower().replace("_", "-")
    except InvalidRequirement:
        return text


def _package_environment(
    built: BuiltPackage,
    settings: Settings,
    key: str,
    inherit_from: list[Path] | None,
    reporter: Reporter,
) -> Path:
    """The venv of one package build. ``inherit_from``: venvs whose libraries it sees (None:
    the environment liftshift runs in, topped up with missing requirements)."""
    env_dir = cache_root(settings) / "venvs" / key
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
    _inherit_site_packages(tmp_dir, inherit_from)
    tmp_python = venv_python(tmp_dir)
    pip_cache = pip_cache_dir(settings)
    with tempfile.TemporaryDirectory(prefix="liftshift-wheel-") as scratch:
        _install_wheel(_wheel_of(built.path, Path(scratch)), tmp_dir)
    missing = [] if inherit_from else missing_requirements(package_requirements(built.path))
    if missing:
        reporter(StepProgress("environment", f"installing {', '.join(missing)}"))
        _pip(tmp_python, ["install", *missing], pip_cache)
    (tmp_dir / _READY).write_text(str(built.path), encoding="utf-8")
    if env_dir.exists():  # another run won the race; use theirs
        shutil.rmtree(tmp_dir, ignore_errors=True)
    else:
        os.replace(tmp_dir, env_dir)
    reporter(StepProgress("environment", "environment ready", time.perf_counter() - started))
    return python


def _wheel_of(sdist: Path, scratch: Path) -> Path:
    """The wheel pip builds from ``sdist`` when Vertex installs it, built here from the sdist's
    own files with the build backend installed here (an isolated venv has none), so that
    installing it runs no build hook (``pip install`` of the sdist ran two)."""
    source_root = scratch / "src"
    with tarfile.open(sdist) as archive:
        archive.extractall(source_root, filter="data")
    tops = [path for path in source_root.iterdir() if path.is_dir()]
    if len(tops) != 1:
        raise EnvironmentSetupError(f"{sdist}: not an sdist (one top folder expected)")
    out_dir = scratch / "wheels"
    attempt = build_here(tops[0], "wheel", out_dir)
    wheels = sorted(out_dir.glob("*.whl"))
    if not attempt.ok or not wheels:
        raise EnvironmentSetupError(f"installing the trainer package failed:\n{attempt.tail()}")
    return wheels[0]


def _install_wheel(wheel: Path, env_dir: Path) -> None:
    """Install ``wheel`` alone (its requirements are another step's) into the venv ``env_dir``,
    in this process, with pypa's reference wheel installer ``installer`` (the same spec pip
    follows): ``pip --python`` started two processes to unpack one small wheel. Its modules
    are compiled as pip compiles them, so the trainer's first import reads bytecode."""
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile
    from installer.utils import get_launcher_kind

    paths = {"base": str(env_dir), "platbase": str(env_dir), "installed_base": str(env_dir)}
    scheme = sysconfig.get_paths(vars=paths)
    with WheelFile.open(wheel) as source:
        scheme["headers"] = str(Path(scheme["include"]) / source.distribution)
        destination = SchemeDictionaryDestination(
            scheme,
            interpreter=str(venv_python(env_dir)),
            script_kind=get_launcher_kind(),
            bytecode_optimization_levels=[0],
        )
        install(source, destination, additional_metadata={"INSTALLER": b"liftshift\n"})


def _site_packages(env_dir: Path) -> Path:
    return Path(
        sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)})
    )


def _inherit_site_packages(env_dir: Path, inherit_from: list[Path] | None = None) -> None:
    purelib = _site_packages(env_dir)
    purelib.mkdir(parents=True, exist_ok=True)
    if inherit_from is None:
        parents = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    else:
        parents = dict.fromkeys(str(_site_packages(folder)) for folder in inherit_from)
    lines = [f"import site; site.addsitedir({str(p)!r})" for p in parents]
    (purelib / "liftshift-inherit.pth").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pip_env(pip_cache: Path | None) -> dict[str, str]:
    env = {**os.environ, "SETUPTOOLS_USE_DISTUTILS": "local", "PIP_NO_WARN_SCRIPT_LOCATION": "1"}
    if pip_cache is not None:
        env["PIP_CACHE_DIR"] = str(pip_cache)
    return env


def _pip(python: Path, args: list[str], pip_cache: Path) -> None:
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
    result = subprocess.run(
        command, capture_output=True, text=True, env=_pip_env(pip_cache), check=False
    )
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
