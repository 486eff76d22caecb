"""The ``local`` target's model registry: versions on disk, numbered like Vertex's.

``<project>/.liftshift/models/<model>/<version>/`` holds a copy of the artifact (so later runs
cannot change a registered version), the trainer sdist that trained it (``package/<hash>/``, a
few KB: a prebuilt-served version is loaded with the libraries that package trained with, a
custom-served one runs its predictor from it) and ``version.json``; ``model.json`` holds the
alias map.
Same rules as Vertex: version 1 gets ``default``, an alias lives on one version at a time.
Registrations of one model are serialised by a lock file (``.lock``, ``flock``): two runs that
finish at once get consecutive versions, never the same one or a lost one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.settings import Settings
from liftshift.foundation.statedir import make_dirs, make_private, open_private
from liftshift.trainer.packaging import BuiltPackage
from liftshift.trainer.registry.base import (
    DEFAULT_ALIAS,
    ModelVersion,
    RegistryError,
    check_aliases,
    prepare_artifact,
)
from liftshift.trainer.serving import CustomServing

LOCK = ".lock"


@contextlib.contextmanager
def _locked(model_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``model_dir`` (released when the process dies, too)."""
    make_dirs(model_dir)
    with open_private(model_dir / LOCK, "ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "model"


class LocalRegistry:
    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.root = settings.state_dir / "models"

    def upload_version(
        self,
        model: str,
        artifact_dir: str,
        *,
        serving_container: str,
        aliases: tuple[str, ...] = (),
        description: str = "",
        labels: dict[str, str] | None = None,
        custom: CustomServing | None = None,
        package: BuiltPackage | None = None,
    ) -> ModelVersion:
        check_aliases(aliases)
        source = prepare_artifact(Path(artifact_dir), any_files=custom is not None)
        model_dir = self.root / _slug(model)
        with _locked(model_dir):
            return self._upload_locked(
                model,
                model_dir,
                source,
                serving_container=serving_container,
                aliases=aliases,
                description=description,
                labels=labels,
                custom=custom,
                package=package,
            )

    def _upload_locked(
        self,
        model: str,
        model_dir: Path,
        source: Path,
        *,
        serving_container: str,
        aliases: tuple[str, ...],
        description: str,
        labels: dict[str, str] | None,
        custom: CustomServing | None,
        package: BuiltPackage | None,
    ) -> ModelVersion:
        for stale in model_dir.glob(".*.tmp"):  # left by a registration that was killed
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        existing = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
        number = max(existing, default=0) + 1
        wanted = tuple(dict.fromkeys(((DEFAULT_ALIAS,) if number == 1 else ()) + aliases))
        target = model_dir / str(number)
        tmp = model_dir / f".{number}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(source, tmp / "artifact")
        package_uri = ""
        if custom is not None:  # the predictor's code is frozen with the version, like an image
            package = BuiltPackage(Path(custom.package_path), custom.package_hash, reused=True)
            serving_container = custom.image_uri
        if package is not None:
            kept = tmp / "package" / package.content_hash / package.filename
            make_dirs(kept.parent)
            shutil.copyfile(package.path, kept)
            package_uri = str(target / kept.relative_to(tmp))
        make_private(tmp)
        version = ModelVersion(
            model=model,
            version_id=str(number),
            aliases=wanted,
            artifact_uri=str(target / "artifact"),
            serving_container=serving_container,
            description=description,
            created=time.time(),
            resource_name=str(target),
            labels=dict(labels or {}),
            predictor=custom.predictor if custom is not None else "",
            package_uri=package_uri,
        )
        write_atomic(tmp / "version.json", json.dumps(asdict(version), indent=2))
        tmp.rename(target)
        index = self._aliases(model_dir)
        for alias in wanted:
            index[alias] = str(number)  # an alias moves to the newest version that asks for it
        write_atomic(model_dir / "model.json", json.dumps({"name": model, "aliases": index}))
        return self._version(model_dir, number, index)

    def _aliases(self, model_dir: Path) -> dict[str, str]:
        path = model_dir / "model.json"
        if not path.is_file():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8"))["aliases"])

    def _version(self, model_dir: Path, number: int, index: dict[str, str]) -> ModelVersion:
        data = json.loads((model_dir / str(number) / "version.json").read_text("utf-8"))
        data["aliases"] = tuple(a for a, v in index.items() if v == str(number))
        return ModelVersion(**data)

    def list_versions(self, model: str) -> list[ModelVersion]:
        model_dir = self.root / _slug(model)
        if not model_dir.is_dir():
            raise RegistryError(f"no model named {model!r} in {self.root}")
        index = self._aliases(model_dir)
        numbers = sorted(int(p.name) for p in model_dir.iterdir() if p.name.isdigit())
        return [self._version(model_dir, n, index) for n in numbers]

    def list_models(self) -> list[ModelVersion]:
        if not self.root.is_dir():
            return []
        models = []
        for model_dir in sorted(p for p in self.root.iterdir() if (p / "model.json").is_file()):
            index = self._aliases(model_dir)
            number = int(index.get(DEFAULT_ALIAS, "1"))
            models.append(self._version(model_dir, number, index))
        return models
