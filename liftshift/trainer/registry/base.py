"""The model-registry port, and the artifact rules both registries share.

Vertex's prebuilt prediction containers read a *directory* (``artifact_uri``) holding
``model.joblib``/``model.pkl`` (scikit-learn), ``model.bst`` (XGBoost) or a SavedModel
(``saved_model.pb`` at its top). SageMaker left ``model.tar.gz`` and TF scripts often export to
a numbered subfolder for TF Serving; :func:`prepare_artifact` fixes both before upload.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from liftshift.foundation.plan_checks import ALIAS_RE, ALIAS_RULE
from liftshift.trainer.packaging import BuiltPackage
from liftshift.trainer.serving import CustomServing

DEFAULT_ALIAS = "default"
ARTIFACT_FILES = ("model.joblib", "model.pkl", "model.bst", "saved_model.pb", "model.mar")


class RegistryError(RuntimeError):
    pass


class MissingArtifact(RegistryError):
    """The job succeeded but left no model to register: a failure of the user's job (exit 1),
    not of the command line."""


@dataclass(frozen=True)
class ModelVersion:
    model: str
    """The model's display name (local) or resource name (Vertex)."""
    version_id: str
    aliases: tuple[str, ...]
    artifact_uri: str
    serving_container: str = ""
    description: str = ""
    created: float = 0.0
    resource_name: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    predictor: str = ""
    """``module:Class`` of the custom prediction routine serving it; empty for a prebuilt
    container."""
    package_uri: str = ""
    """The trainer sdist that trained the version (local registry): a custom predictor runs
    from it; a prebuilt-served model is loaded in the environment it trained in. Empty for a
    local version registered before liftshift kept it, and on Vertex."""


class ModelRegistry(Protocol):
    name: str

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
        """Register ``artifact_dir`` as the next version of ``model`` (version 1 gets alias
        ``default``; later ones become versions 2, 3… of the same model). With ``custom``, the
        version is served by the project's predictor in ``custom.image_uri`` instead of
        ``serving_container``. ``package`` is the trainer sdist that trained it: the local
        registry keeps it to predict in that package's environment; Vertex's prebuilt
        containers carry the framework themselves, so it ignores it."""
        ...

    def list_models(self) -> list[ModelVersion]:
        """The default version of every model."""
        ...

    def list_versions(self, model: str) -> list[ModelVersion]: ...


def check_aliases(aliases: tuple[str, ...]) -> None:
    for alias in aliases:
        if not ALIAS_RE.match(alias):
            raise RegistryError(
                f"version alias {alias!r} is not allowed: it must match {ALIAS_RULE}"
            )


def prepare_artifact(model_dir: Path, *, any_files: bool = False) -> Path:
    """The folder a prediction container accepts: unpacks ``model.tar.gz`` in place and
    descends into a lone numbered SavedModel version folder. Raises when no model is found.
    ``any_files``: the project's own ``model_fn`` loads it (a CPR version), so any file names
    do, as long as the folder is not empty."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise MissingArtifact(f"{model_dir}: the job wrote no model directory")
    tarball = model_dir / "model.tar.gz"
    if tarball.is_file() and not _has_artifact(model_dir):
        with tarfile.open(tarball) as archive:
            archive.extractall(model_dir, filter="data")
        tarball.unlink()
    if _has_artifact(model_dir) or (any_files and any(model_dir.iterdir())):
        return model_dir
    subdirs = [p for p in model_dir.iterdir() if p.is_dir()]
    if len(subdirs) == 1 and (subdirs[0] / "saved_model.pb").is_file():
        return subdirs[0]
    found = ", ".join(sorted(p.name for p in model_dir.iterdir())) or "nothing"
    raise MissingArtifact(
        f"{model_dir}: no model artifact ({', '.join(ARTIFACT_FILES)}) found; it holds {found}"
    )


def _has_artifact(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ARTIFACT_FILES)
