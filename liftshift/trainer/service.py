"""The training step as one call: package → stage → submit → follow → register.

The CLI (``liftshift train``), the app and ``liftshift run`` all call :func:`start_training`
then :func:`finish_training` (or :func:`train` for both), so they behave the same. Each phase is
timed (``TrainResult.timings``) for the benchmark and the app's summary.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.plan import Plan, PlanContext, plan_path, plan_problems
from liftshift.foundation.secrets import SecretNotSet, expand_placeholders
from liftshift.foundation.settings import Settings
from liftshift.trainer import monitor, serving
from liftshift.trainer.backends import get_backend
from liftshift.trainer.backends.base import TrainingBackend
from liftshift.trainer.jobs import (
    JobHandle,
    JobSpec,
    JobSpecError,
    JobState,
    JobStatus,
    StepProgress,
    TrainOverrides,
    build_job_spec,
)
from liftshift.trainer.packaging import BuiltPackage, build_package, upload_package
from liftshift.trainer.registry import ModelVersion, get_registry
from liftshift.trainer.serving import CustomServing, ServingError


@dataclass
class TrainResult:
    spec: JobSpec
    handle: JobHandle
    package: BuiltPackage
    package_uri: str
    status: JobStatus | None = None
    model_version: ModelVersion | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and self.status.state == JobState.SUCCEEDED


def start_training(
    plan: Plan,
    settings: Settings,
    overrides: TrainOverrides | None = None,
    *,
    reporter: Reporter = ignore,
    backend: TrainingBackend | None = None,
) -> TrainResult:
    """Build and stage the package and submit the job; returns as soon as it is running."""
    timings: dict[str, float] = {}
    # a plan edited in memory (the app's form) meets the same rules as one loaded from disk,
    # before anything is built or costs money
    path = plan_path(settings.project_dir)
    problems = plan_problems(plan, PlanContext(path, settings.project_dir))
    if problems:
        raise JobSpecError(f"{path}: {problems[0]}")
    spec = build_job_spec(plan, settings, overrides)
    try:
        expand_placeholders(spec.args)  # a secret's variable must be set before anything runs
    except SecretNotSet as exc:
        raise JobSpecError(str(exc)) from exc
    if settings.target == "gcp" and not spec.project:
        raise JobSpecError(
            "no Google Cloud project: set target.gcp_project in liftshift.toml or "
            "GOOGLE_CLOUD_PROJECT"
        )
    t0 = time.perf_counter()
    built = build_package(
        settings.project_dir, settings, package=spec.package_name, reporter=reporter
    )
    timings["build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    uri = upload_package(built, settings, spec.staging_bucket, reporter=reporter)
    timings["upload"] = time.perf_counter() - t0
    backend = backend or get_backend(settings)
    t0 = time.perf_counter()
    handle = backend.submit(spec, uri, reporter=reporter)
    timings["submit"] = time.perf_counter() - t0
    return TrainResult(spec, handle, built, uri, timings=timings)


def finish_training(
    result: TrainResult,
    settings: Settings,
    *,
    reporter: Reporter = ignore,
    backend: TrainingBackend | None = None,
    register: bool = True,
    stop: threading.Event | None = None,
) -> TrainResult:
    """Follow the job to its end; on success register the model as a new version.
    With ``stop`` set before the end, returns early (detached: the job runs on)."""
    backend = backend or get_backend(settings)
    t0 = time.perf_counter()
    result.status = monitor.follow(backend, result.handle.job_id, reporter, stop=stop)
    result.timings["training"] = time.perf_counter() - t0
    if result.succeeded:
        problem = model_output_problem(result.spec, result.status, settings, backend)
        if problem:
            result.status = replace(result.status, state=JobState.FAILED, error=problem)
            reporter(StepProgress("model", problem))
    if register and result.succeeded:
        t0 = time.perf_counter()
        result.model_version = register_model(
            result.spec, result.status, settings, reporter=reporter, package=result.package
        )
        result.timings["registration"] = time.perf_counter() - t0
    return result


_SHOWN = 5


def model_output_problem(
    spec: JobSpec, status: JobStatus, settings: Settings, backend: TrainingBackend
) -> str:
    """'' when the job's model folder holds a file; else the one line that says it is empty
    and where the trainer's files went, when they can be found (its working folder on the
    local target, the job's other output folders on any target). A job that "succeeded"
    without a model must not become a model version."""
    model_dir = status.model_dir or spec.model_dir
    if _first_files(model_dir, settings, 1):
        return ""
    found: list[str] = []
    stray = getattr(backend, "stray_outputs", None)
    if stray is not None:
        found += [f"{path} (in .liftshift/jobs/{status.job_id})" for path in stray(status.job_id)]
    base = spec.base_output_dir.rstrip("/")
    model_key = "model/"
    for path in _first_files(base, settings, 50):
        if not path.startswith(model_key):
            found.append(f"{base}/{path}")
    line = f"job {status.job_id} succeeded but wrote no model file to {model_dir}"
    if found:
        return f"{line}; it wrote {', '.join(found[:_SHOWN])}"
    return (
        f"{line}; no file it wrote was found (look for a save to a relative path or SM_MODEL_DIR)"
    )


def _first_files(folder: str, settings: Settings, limit: int) -> list[str]:
    """Up to ``limit`` file paths (relative) under a local folder or a bucket prefix."""
    from liftshift.trainer.localenv import local_path

    if settings.target == "local" or not folder.startswith(("gs://", "s3://")):
        root = local_path(settings, folder) if "://" in folder else Path(folder)
        if not root.is_dir():
            return []
        files = (p for p in sorted(root.rglob("*")) if p.is_file())
        return [p.relative_to(root).as_posix() for p in itertools.islice(files, limit)]
    from liftshift.foundation.storage.factory import open_store
    from liftshift.foundation.storage.uri import parse_uri

    uri = parse_uri(folder)
    prefix = uri.prefix.rstrip("/") + "/" if uri.prefix else ""
    store = open_store(uri, settings)
    return [info.key[len(prefix) :] for info in itertools.islice(store.list(prefix), limit)]


def register_model(
    spec: JobSpec,
    status: JobStatus,
    settings: Settings,
    *,
    reporter: Reporter = ignore,
    package: BuiltPackage | None = None,
) -> ModelVersion:
    """The job's model as a new version: served by the prebuilt container, or (``cpr``) by the
    project's predictor from ``package`` (the one that trained; rebuilt from the project, a
    cache hit when unchanged, when the job was started elsewhere). The local registry keeps
    ``package`` with every version, so the model is loaded in the environment it trained in."""
    custom = custom_serving(spec, settings, package, reporter=reporter)
    if package is None and custom is None and settings.target == "local":
        package = build_package(
            settings.project_dir, settings, package=spec.package_name, reporter=reporter
        )
    registry = get_registry(settings)
    model_dir = status.model_dir or spec.model_dir
    if settings.target == "local" and model_dir.startswith("gs://"):
        from liftshift.trainer.localenv import local_path

        model_dir = str(local_path(settings, model_dir))
    version = registry.upload_version(
        spec.model_display_name,
        model_dir,
        serving_container=spec.prediction_container,
        aliases=spec.version_aliases,
        description=spec.version_description,
        labels=spec.labels,
        custom=custom,
        package=package if settings.target == "local" else None,
    )
    reporter(
        StepProgress("register", f"model {spec.model_display_name} version {version.version_id}")
    )
    return version


def custom_serving(
    spec: JobSpec,
    settings: Settings,
    package: BuiltPackage | None = None,
    *,
    reporter: Reporter = ignore,
) -> CustomServing | None:
    """What serves a ``cpr`` version (None for ``prebuilt``); on gcp its image is built by
    Cloud Build first. Raises :class:`ServingError` when the project has no predictor."""
    if spec.serving != "cpr":
        return None
    predictor = settings.project_dir / (spec.predictor_module.replace(".", "/") + ".py")
    if not predictor.is_file():
        raise ServingError(
            f'{predictor}: model.serving is "cpr" but there is no predictor; run `liftshift '
            "migrate --apply` (LS007 writes it from the SageMaker handlers) or set "
            'model.serving = "prebuilt" in liftshift.toml'
        )
    if package is None:
        package = build_package(
            settings.project_dir, settings, package=spec.package_name, reporter=reporter
        )
    custom = CustomServing(
        serving.image_uri(spec.project, spec.region, spec.model_display_name, package.content_hash),
        spec.predictor_module,
        spec.predictor_class,
        str(package.path),
        package.content_hash,
        serving.base_image(spec.prediction_container),
    )
    if settings.target == "gcp":
        serving.build_image(custom, settings, spec.staging_bucket, reporter=reporter)
    return custom


def train(
    plan: Plan,
    settings: Settings,
    overrides: TrainOverrides | None = None,
    *,
    reporter: Reporter = ignore,
    register: bool = True,
) -> TrainResult:
    """The whole step, blocking."""
    backend = get_backend(settings)
    result = start_training(plan, settings, overrides, reporter=reporter, backend=backend)
    return finish_training(result, settings, reporter=reporter, backend=backend, register=register)


def project_plan(project_dir: Path) -> Plan:
    from liftshift.foundation.plan import load_plan

    return load_plan(project_dir)


def dry_run_requests(spec: JobSpec, settings: Settings) -> dict[str, Any]:
    """Every request the training step would send, as plain data; sends nothing and needs no
    credentials. ``train --dry-run`` and ``run --dry-run`` print exactly this."""
    from liftshift.trainer.jobs import custom_job_request, model_upload_request
    from liftshift.trainer.packaging import PACKAGES_PREFIX, cache_root, content_hash

    folder = f"gs://{spec.staging_bucket}/{PACKAGES_PREFIX}"
    package_uri = f"{folder}/<content hash>/{spec.package_name}-<version>.tar.gz"
    key = ""
    if (settings.project_dir / spec.package_name).is_dir():  # not yet migrated: no package
        key = content_hash(settings.project_dir, spec.package_name)
        built = sorted((cache_root(settings) / "packages" / key).glob("*.tar.gz"))
        name = built[0].name if built else f"{spec.package_name}-<version>.tar.gz"
        package_uri = f"{folder}/{key}/{name}"
    requests: dict[str, Any] = {
        "target": settings.target,
        "package_upload": {
            "source": str(settings.project_dir / spec.package_name),
            "content_hash": key or "<computed after migration>",
            "uri": package_uri,
            "skipped_if_present": True,
        },
        "create_custom_job": custom_job_request(spec, package_uri),
        "upload_model": model_upload_request(
            spec, parent_model=f"<the model named {spec.model_display_name!r}, if it exists>"
        ),
        "notes": [
            n for n in (spec.distribution_note, spec.executor_note, spec.prediction_note) if n
        ],
    }
    if spec.serving == "cpr":
        _serving_requests(requests, spec, settings, key, package_uri)
    if settings.target == "local":
        if spec.serving == "cpr":
            requests["notes"].append(
                "local target: no image is built; the version's predictor runs in the "
                "trainer's environment through the SDK's PredictionHandler"
            )
        requests["notes"].append(
            f"local target: the package runs as `python -m {spec.python_module}` on this "
            f"machine; gs:// paths map to {settings.local_storage_root}/gcs/..."
        )
    return requests


def _serving_requests(
    requests: dict[str, Any], spec: JobSpec, settings: Settings, key: str, package_uri: str
) -> None:
    """A ``cpr`` version's extra requests: the serving image build (gcp) and the container
    spec ``Model.upload`` gets."""
    content_hash = key or "<content hash>"
    image = serving.image_uri(spec.project, spec.region, spec.model_display_name, content_hash)
    sdist = package_uri.rsplit("/", 1)[-1]
    base = serving.base_image(spec.prediction_container)
    custom = CustomServing(
        image, spec.predictor_module, spec.predictor_class, sdist, content_hash, base
    )
    requests["upload_model"]["model"]["container_spec"] = serving.container_spec(custom)
    bucket, name = serving.source_object(spec.staging_bucket, content_hash)
    requests["serving_image_build"] = {
        "source_upload": f"gs://{bucket}/{name}",
        "dockerfile": serving.dockerfile(custom, sdist).splitlines(),
        "create_build": serving.build_request(spec.project, bucket, name, image),
        "skipped": settings.target == "local",
    }
