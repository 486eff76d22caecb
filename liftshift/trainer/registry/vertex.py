"""The Vertex AI Model Registry: each successful job becomes a new version of one model.

The first upload creates the model (Vertex gives it alias ``default``); later uploads pass
``parent_model`` so they become versions 2, 3… of the same model instead of new models, and
keep ``default`` where it is (``is_default_version=False``), matching the local registry.
The artifact folder is fixed up in the bucket first: a SageMaker ``model.tar.gz`` is unpacked
and a lone numbered SavedModel folder is used directly, as prediction containers require.
"""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path
from typing import Any

from liftshift.foundation.clients import call_with_retries, gcs_client, vertex_sdk
from liftshift.foundation.settings import Settings
from liftshift.trainer import serving
from liftshift.trainer.packaging import BuiltPackage
from liftshift.trainer.registry.base import (
    ARTIFACT_FILES,
    MissingArtifact,
    ModelVersion,
    RegistryError,
    check_aliases,
)
from liftshift.trainer.serving import CustomServing


class VertexRegistry:
    name = "vertex"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._aiplatform: Any = None

    def _sdk(self) -> Any:
        if self._aiplatform is None:
            self._aiplatform = vertex_sdk(self.settings)
        return self._aiplatform

    def find_model(self, display_name: str) -> Any | None:
        """The existing model with this display name (the parent of a new version), if any."""
        escaped = display_name.replace('"', '\\"')
        found = call_with_retries(
            self.settings, lambda: self._sdk().Model.list(filter=f'display_name="{escaped}"')
        )
        if len(found) > 1:
            names = ", ".join(m.resource_name for m in found)
            raise RegistryError(
                f"{len(found)} models are named {display_name!r} ({names}); set "
                "model.display_name in liftshift.toml to a unique name"
            )
        return found[0] if found else None

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
        package: BuiltPackage | None = None,  # unused: the prebuilt container has the framework
    ) -> ModelVersion:
        check_aliases(aliases)
        container: dict[str, Any] = {"serving_container_image_uri": serving_container}
        if custom is not None:  # the image serving.build_image pushed, and how to run it
            container = {
                "serving_container_image_uri": custom.image_uri,
                "serving_container_predict_route": serving.PREDICT_ROUTE,
                "serving_container_health_route": serving.HEALTH_ROUTE,
                "serving_container_ports": [serving.HTTP_PORT],
                "serving_container_environment_variables": serving.environment(custom),
            }
        elif not serving_container:
            raise RegistryError(
                "no prediction container for this framework: set model.prediction_container "
                "in liftshift.toml"
            )
        artifact_uri = prepare_gcs_artifact(
            self.settings, artifact_dir, any_files=custom is not None
        )
        parent = self.find_model(model)
        uploaded = self._sdk().Model.upload(
            display_name=model,
            artifact_uri=artifact_uri,
            **container,
            parent_model=parent.resource_name if parent else None,
            is_default_version=parent is None,
            version_aliases=list(aliases) or None,
            version_description=description or None,
            labels=labels or None,
            sync=True,
        )
        return _version(uploaded.gca_resource)

    def list_versions(self, model: str) -> list[ModelVersion]:
        parent = self.find_model(model) if not model.startswith("projects/") else None
        name = parent.resource_name if parent else model
        if not name.startswith("projects/"):
            raise RegistryError(f"no model named {model!r} in {self.settings.gcp.region}")
        from google.cloud.aiplatform import models as vertex_models

        registry = vertex_models.ModelRegistry(name)
        versions = []
        for info in call_with_retries(self.settings, registry.list_versions):
            created = info.version_create_time.timestamp() if info.version_create_time else 0.0
            versions.append(
                ModelVersion(
                    model=info.model_display_name or model,
                    version_id=str(info.version_id),
                    aliases=tuple(info.version_aliases),
                    artifact_uri="",
                    description=info.version_description or "",
                    created=created,
                    resource_name=info.model_resource_name,
                )
            )
        return sorted(versions, key=lambda v: int(v.version_id))

    def list_models(self) -> list[ModelVersion]:
        models = call_with_retries(self.settings, self._sdk().Model.list)
        return [_version(m.gca_resource) for m in models]


def _version(resource: Any) -> ModelVersion:
    created = resource.version_create_time or resource.create_time
    env = {item.name: item.value for item in resource.container_spec.env}
    predictor = ""
    if env.get("PREDICTOR_MODULE") and env.get("PREDICTOR_CLASS"):
        predictor = f"{env['PREDICTOR_MODULE']}:{env['PREDICTOR_CLASS']}"
    return ModelVersion(
        model=resource.display_name,
        version_id=str(resource.version_id),
        aliases=tuple(resource.version_aliases),
        artifact_uri=resource.artifact_uri,
        serving_container=resource.container_spec.image_uri,
        description=resource.version_description,
        created=created.timestamp() if created else 0.0,
        resource_name=resource.name,
        labels=dict(resource.labels),
        predictor=predictor,
    )


def prepare_gcs_artifact(settings: Settings, artifact_uri: str, *, any_files: bool = False) -> str:
    """The ``gs://`` folder a prediction container accepts (see ``registry.base``); with
    ``any_files`` (a CPR version) any non-empty folder, ``model.tar.gz`` still unpacked."""
    if not artifact_uri.startswith("gs://"):
        raise RegistryError(f"{artifact_uri}: the Vertex registry needs a gs:// model directory")
    bucket_name, _, prefix = artifact_uri.removeprefix("gs://").partition("/")
    prefix = prefix.rstrip("/") + "/"
    client = gcs_client(settings)
    bucket = client.bucket(bucket_name)
    names = [blob.name for blob in client.list_blobs(bucket_name, prefix=prefix)]
    relative = [n[len(prefix) :] for n in names]
    if not relative:
        raise MissingArtifact(f"{artifact_uri}: the job wrote no model there")
    if any(r in ARTIFACT_FILES for r in relative):
        return artifact_uri.rstrip("/")
    if any_files and "model.tar.gz" not in relative:
        return artifact_uri.rstrip("/")
    if "model.tar.gz" in relative:
        with tempfile.TemporaryDirectory(prefix="liftshift-model-") as tmp:
            archive_path = Path(tmp) / "model.tar.gz"
            bucket.blob(prefix + "model.tar.gz").download_to_filename(str(archive_path))
            out = Path(tmp) / "model"
            with tarfile.open(archive_path) as archive:
                archive.extractall(out, filter="data")
            for path in sorted(p for p in out.rglob("*") if p.is_file()):
                key = prefix + path.relative_to(out).as_posix()
                bucket.blob(key).upload_from_filename(str(path))
        return artifact_uri.rstrip("/")
    tops = {r.split("/", 1)[0] for r in relative}
    if len(tops) == 1:
        (top,) = tops
        if f"{top}/saved_model.pb" in relative:
            return f"gs://{bucket_name}/{prefix}{top}"
    raise MissingArtifact(
        f"{artifact_uri}: no model artifact ({', '.join(ARTIFACT_FILES)}) found there"
    )
