"""Serving a model version with the project's own SageMaker handlers (``model.serving = "cpr"``).

LS007 writes ``<package>/predictor.py``, a custom prediction routine (CPR). On Vertex AI it runs
in an image built from the trainer sdist around the aiplatform SDK's model server
(``python -m google.cloud.aiplatform.prediction.model_server``, which reads ``HANDLER_*`` and
``PREDICTOR_*`` to find the class, and ``AIP_HTTP_PORT``/``AIP_PREDICT_ROUTE``/
``AIP_HEALTH_ROUTE``/``AIP_STORAGE_URI``, which Vertex sets from the model's container spec and
artifact). The image is built by Cloud Build, so no docker is needed here: the build source is
that Dockerfile plus the sdist, uploaded to the staging bucket. ``Model.upload`` then gets the
matching container spec. The ``local`` target builds nothing: it runs the same predictor
through the SDK's own ``PredictionHandler`` in the trainer's environment (``_serve_cpr``).
"""

from __future__ import annotations

import io
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings

PREDICT_ROUTE = "/predict"
HEALTH_ROUTE = "/health"
HTTP_PORT = 8080
HANDLER_MODULE = "google.cloud.aiplatform.prediction.handler"
HANDLER_CLASS = "PredictionHandler"
MODEL_SERVER = "google.cloud.aiplatform.prediction.model_server"
SDK_REQUIREMENT = "google-cloud-aiplatform[prediction]>=1.27.0"
BASE_IMAGE = "python:3.11-slim"
"""The serving image's base when the plan has no prebuilt prediction image to start from."""
PREBUILT_PREDICTION = re.compile(r"^[\w.-]*docker\.pkg\.dev/vertex-ai/prediction/")
BUILDER = "gcr.io/cloud-builders/docker"
REPOSITORY = "liftshift"
"""The Artifact Registry docker repository serving images go to (``<region>-docker.pkg.dev/
<project>/liftshift/…``); it must exist in the project."""
SOURCE_PREFIX = "liftshift/serving"


class ServingError(RuntimeError):
    """The serving image could not be built, or the predictor cannot serve."""


@dataclass(frozen=True)
class CustomServing:
    """A version served by the project's predictor: what the registries need to know."""

    image_uri: str
    predictor_module: str
    predictor_class: str
    package_path: str = ""
    """The trainer sdist the image installs (the local target runs it from this file)."""
    package_hash: str = ""
    base_image: str = ""
    """The framework's prebuilt prediction image: the model is unpickled with the framework
    version it was trained with. Empty: :data:`BASE_IMAGE`."""

    @property
    def predictor(self) -> str:
        return f"{self.predictor_module}:{self.predictor_class}"


def image_uri(project: str, region: str, model: str, content_hash: str) -> str:
    """``<region>-docker.pkg.dev/<project>/liftshift/<model>-serving:<package hash>``: one image
    per trainer package, so a rebuilt package never serves under an old tag."""
    name = re.sub(r"[^a-z0-9-]+", "-", model.lower()).strip("-") or "model"
    return (
        f"{region}-docker.pkg.dev/{project or '<project>'}/{REPOSITORY}/{name}-serving:"
        f"{content_hash}"
    )


def environment(serving: CustomServing) -> dict[str, str]:
    """What the model server reads to find the predictor (also baked into the image)."""
    return {
        "HANDLER_MODULE": HANDLER_MODULE,
        "HANDLER_CLASS": HANDLER_CLASS,
        "PREDICTOR_MODULE": serving.predictor_module,
        "PREDICTOR_CLASS": serving.predictor_class,
    }


def container_spec(serving: CustomServing) -> dict[str, Any]:
    """The ``Model.container_spec`` of a CPR version. Vertex derives ``AIP_HTTP_PORT`` from
    ``ports``, ``AIP_PREDICT_ROUTE``/``AIP_HEALTH_ROUTE`` from the routes and
    ``AIP_STORAGE_URI`` from the artifact; the model server reads them."""
    return {
        "image_uri": serving.image_uri,
        "predict_route": PREDICT_ROUTE,
        "health_route": HEALTH_ROUTE,
        "ports": [{"container_port": HTTP_PORT}],
        "env": [{"name": key, "value": value} for key, value in environment(serving).items()],
    }


def base_image(prediction_container: str) -> str:
    """The plan's prebuilt prediction image when it is one (as the SDK's ``build_cpr_model``
    allows), else :data:`BASE_IMAGE`."""
    return prediction_container if PREBUILT_PREDICTION.match(prediction_container) else ""


def dockerfile(serving: CustomServing, sdist_name: str) -> str:
    """The serving image: the trainer package and the SDK's model server on the base image.
    Prebuilt prediction images name their tools ``python3``/``pip3`` (as the SDK does)."""
    env = " ".join(f"{key}={value}" for key, value in environment(serving).items())
    python, pip = ("python3", "pip3") if serving.base_image else ("python", "pip")
    return (
        f"FROM {serving.base_image or BASE_IMAGE}\n"
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1\n"
        f"COPY {sdist_name} /tmp/{sdist_name}\n"
        f'RUN {pip} install --no-cache-dir "{SDK_REQUIREMENT}" /tmp/{sdist_name} '
        f"&& rm /tmp/{sdist_name}\n"
        f"ENV {env}\n"
        f"EXPOSE {HTTP_PORT}\n"
        f'ENTRYPOINT ["{python}", "-m", "{MODEL_SERVER}"]\n'
    )


def source_object(staging_bucket: str, content_hash: str) -> tuple[str, str]:
    """(bucket, object) of the build source: one per trainer package."""
    bucket, _, prefix = staging_bucket.removeprefix("gs://").strip("/").partition("/")
    name = "/".join(p for p in (prefix, SOURCE_PREFIX, content_hash, "source.tar.gz") if p)
    return bucket, name


def build_request(project: str, bucket: str, name: str, image: str) -> dict[str, Any]:
    """The Cloud Build ``CreateBuild`` request (REST field names) that builds and pushes
    ``image`` from the uploaded source."""
    return {
        "projectId": project or "<project>",
        "build": {
            "source": {"storageSource": {"bucket": bucket, "object": name}},
            "steps": [{"name": BUILDER, "args": ["build", "--tag", image, "."]}],
            "images": [image],
            "tags": ["liftshift-serving"],
        },
    }


def source_archive(serving: CustomServing) -> bytes:
    """The build context: the Dockerfile and the sdist, as a gzipped tar."""
    sdist = Path(serving.package_path)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        text = dockerfile(serving, sdist.name).encode("utf-8")
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(text)
        info.mtime = 0
        archive.addfile(info, io.BytesIO(text))
        archive.add(sdist, arcname=sdist.name)
    return buffer.getvalue()


CLOUD_BUILD = "https://cloudbuild.googleapis.com"
POLL_SECONDS = 5.0
"""The longest wait between two polls of a running build (Cloud Build builds take minutes)."""
FIRST_POLL_SECONDS = 0.25
"""The first wait; each next one doubles, up to :data:`POLL_SECONDS`: a build that is over
quickly (every layer cached) is seen within a second instead of after a 5 s sleep, and a long
one costs a handful of extra GETs."""


def build_image(
    serving: CustomServing,
    settings: Settings,
    staging_bucket: str,
    *,
    reporter: Reporter = ignore,
) -> str:
    """Upload the build source and run Cloud Build until the image is pushed; returns the
    image URI. Raises :class:`ServingError` with the build's log URL when it fails."""
    from google.auth.transport.requests import AuthorizedSession

    from liftshift.foundation.clients import gcp_credentials, gcs_client
    from liftshift.trainer.jobs import StepProgress

    bucket, name = source_object(staging_bucket, serving.package_hash)
    gcs_client(settings).bucket(bucket).blob(name).upload_from_string(
        source_archive(serving), content_type="application/gzip"
    )
    request = build_request(settings.gcp.project or "", bucket, name, serving.image_uri)
    base = (settings.gcp.cloudbuild_endpoint or CLOUD_BUILD).rstrip("/")
    session = AuthorizedSession(gcp_credentials(settings))
    response = session.post(
        f"{base}/v1/projects/{request['projectId']}/builds", json=request["build"]
    )
    if response.status_code >= 400:
        raise ServingError(f"Cloud Build refused the serving image build: {response.text}")
    operation = response.json()
    log_url = operation.get("metadata", {}).get("build", {}).get("logUrl", "")
    reporter(StepProgress("serving", f"building {serving.image_uri} (log: {log_url})"))
    wait = FIRST_POLL_SECONDS
    while not operation.get("done"):
        time.sleep(min(wait, POLL_SECONDS))
        wait *= 2
        operation = session.get(f"{base}/v1/{operation['name']}").json()
    if "error" in operation:
        message = operation["error"].get("message", operation["error"])
        raise ServingError(f"building {serving.image_uri} failed: {message} (log: {log_url})")
    reporter(StepProgress("serving", f"built {serving.image_uri}"))
    return serving.image_uri
