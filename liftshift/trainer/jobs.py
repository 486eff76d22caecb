"""What a training job is, whichever backend runs it: the spec, its states and its events.

A :class:`JobSpec` is built once from the plan (plus CLI overrides) by :func:`build_job_spec`
and is the single source for both backends: the Vertex backend sends it as a ``CustomJob``,
the local backend runs the same module with the same arguments and the same environment
contract (the migrated-trainer contract in the notes: hyperparameters, then one flag per
channel, then ``--job-dir``), so the migrated code cannot tell which one runs it.
"""

from __future__ import annotations

import enum
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from liftshift.foundation.catalog import containers, launches, machines
from liftshift.foundation.catalog.distributions import distribution_of
from liftshift.foundation.catalog.machines import MachineSpec, WorkerPoolSpec
from liftshift.foundation.plan import (
    PREDICTOR_CLASS,
    Plan,
    TrainingPlan,
    format_hyperparameter,
    hyperparameter_flag,
    predictor_module,
)
from liftshift.foundation.secrets import expand_placeholders, redact_args
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage.uri import channel_dir_uri

LOCAL_STAGING_BUCKET = "liftshift-local-staging"
"""The staging bucket of the ``local`` target when the plan names none."""


class JobState(enum.StrEnum):
    """Vertex AI's job states; the local backend maps exit codes onto the same names."""

    QUEUED = "JOB_STATE_QUEUED"
    PENDING = "JOB_STATE_PENDING"
    RUNNING = "JOB_STATE_RUNNING"
    SUCCEEDED = "JOB_STATE_SUCCEEDED"
    FAILED = "JOB_STATE_FAILED"
    CANCELLING = "JOB_STATE_CANCELLING"
    CANCELLED = "JOB_STATE_CANCELLED"
    PAUSED = "JOB_STATE_PAUSED"
    EXPIRED = "JOB_STATE_EXPIRED"
    UPDATING = "JOB_STATE_UPDATING"
    PARTIALLY_SUCCEEDED = "JOB_STATE_PARTIALLY_SUCCEEDED"
    UNSPECIFIED = "JOB_STATE_UNSPECIFIED"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def short(self) -> str:
        return self.value.removeprefix("JOB_STATE_")


TERMINAL_STATES = frozenset(
    {
        JobState.SUCCEEDED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.EXPIRED,
        JobState.PARTIALLY_SUCCEEDED,
    }
)


class JobSpecError(ValueError):
    """The plan or flags do not describe a runnable job (no staging bucket, bad tier…)."""


@dataclass(frozen=True)
class TrainOverrides:
    """CLI flags (or app fields) that win over the plan. ``None``/empty means "use the plan"."""

    target: str | None = None
    scale_tier: str | None = None
    machine_type: str | None = None
    accelerator: str | None = None
    """``TYPE[:COUNT]``."""
    region: str | None = None
    staging_bucket: str | None = None
    service_account: str | None = None
    display_name: str | None = None
    hyperparameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to run one training job, backend-neutral."""

    display_name: str
    job_name: str
    """Unique per submission (display name + UTC timestamp); the output folder's name."""
    package_name: str
    python_module: str
    args: tuple[str, ...]
    pools: tuple[WorkerPoolSpec, ...]
    executor_image_uri: str
    executor_note: str
    staging_bucket: str
    base_output_dir: str
    """``gs://<staging>/liftshift/jobs/<job_name>``: AIP_MODEL_DIR is ``<base>/model/``."""
    region: str
    project: str
    service_account: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    timeout_seconds: int = 0
    framework: str = ""
    framework_version: str = ""
    model_display_name: str = ""
    prediction_container: str = ""
    """The prebuilt prediction image (``serving == "prebuilt"``)."""
    prediction_note: str = ""
    serving: str = "prebuilt"
    """``prebuilt``, or ``cpr``: the project's predictor in an image built from the package."""
    predictor_module: str = ""
    predictor_class: str = ""
    version_aliases: tuple[str, ...] = ()
    version_description: str = ""
    sample_data: tuple[tuple[str, str], ...] = ()
    """(destination URI, project-relative sample folder) pairs the local target seeds."""
    channel_uris: tuple[str, ...] = ()
    """The folder URI passed for each channel, in plan order."""
    distribution: str = ""
    """The plan's ``training.distribution`` (SageMaker's distributed launch), empty for none."""
    distribution_note: str = ""
    """How that launch maps to Vertex AI (``foundation.catalog.launches``), said with the job."""

    @property
    def model_dir(self) -> str:
        return f"{self.base_output_dir}/model"

    @property
    def gpu(self) -> bool:
        return any(p.machine.accelerator_type.startswith("NVIDIA") for p in self.pools)

    def scale_summary(self) -> str:
        return ", ".join(
            f"{p.role}: {p.replica_count} x {p.machine.describe()}" for p in self.pools
        )


@dataclass(frozen=True)
class JobHandle:
    """A submitted job: enough to query, follow or cancel it from another process later."""

    job_id: str
    backend: str
    display_name: str
    resource_name: str = ""
    console_url: str = ""


@dataclass(frozen=True)
class JobStatus:
    job_id: str
    state: JobState
    error: str = ""
    model_dir: str = ""
    started: float = 0.0
    ended: float = 0.0

    @property
    def headline(self) -> str:
        """The one line that says why the job failed (see :func:`error_headline`), with the
        package to add when the trainer imports a module it does not install."""
        line = error_headline(self.error)
        return line + missing_module_hint(line)


def error_headline(error: str) -> str:
    """The exception line of a trainer's traceback (``ModuleNotFoundError: No module named
    'xgboost'``), not its least useful first line; the first line of any other error."""
    lines = [line.rstrip() for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return lines[0]
    after = [line for line in lines[starts[-1] + 1 :] if not line[0].isspace()]
    return after[-1] if after else lines[0]


"""Import names whose pip package has another name (the rest are the same)."""

MISSING_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([\w.]+)'")


def missing_module_hint(headline: str) -> str:
    """``; add the package scikit-learn to requirements.txt …`` for a missing import."""
    match = MISSING_MODULE.match(headline)
    if match is None:
        return ""
    package = distribution_of(match.group(1)) or f"the package that provides {match.group(1)}"
    return (
        f" (the trainer package does not install it: add {package} to requirements.txt, "
        "or to install_requires in setup.py)"
    )


def logs_command(job_id: str, settings: Settings) -> str:
    """The command that prints a job's full log, with the flags its target needs."""
    if settings.target == "local":
        return f"liftshift jobs logs {job_id} --project {settings.project_dir}"
    return f"liftshift jobs logs {job_id} --target {settings.target}"


# events (reported through liftshift.foundation.events.Reporter)


@dataclass(frozen=True)
class JobStateChanged:
    job_id: str
    state: JobState
    elapsed: float
    error: str = ""


@dataclass(frozen=True)
class JobChecked:
    """The monitor just asked the backend for the job's state (every poll, changed or not):
    a live view shows "last checked N s ago" from ``checked_at`` (epoch seconds)."""

    job_id: str
    state: JobState
    checked_at: float


@dataclass(frozen=True)
class JobLogLine:
    job_id: str
    text: str
    timestamp: float = 0.0


@dataclass(frozen=True)
class StepProgress:
    """A step before or after the job itself: build, upload, environment, registration."""

    step: str
    message: str
    seconds: float = 0.0


# building the spec


def trainer_args(plan: Plan, hyperparameters: dict[str, Any], model_dir: str) -> list[str]:
    """The migrated-trainer contract: ``--key value`` for each hyperparameter (sorted; ``-k
    value`` for a one-letter key, as SageMaker passes it), then
    ``<channel.argument> <path>`` per plan channel, then ``--job-dir <model dir>``."""
    args: list[str] = []
    for key in sorted(hyperparameters):
        args += [hyperparameter_flag(key), format_hyperparameter(hyperparameters[key])]
    for channel in plan.data.channels:
        if not channel.argument:
            raise JobSpecError(
                f"channel {channel.name!r} has no trainer argument in liftshift.toml "
                "(data.channels.argument); run `liftshift migrate --apply` or set it"
            )
        args += [channel.argument, channel_dir_uri(channel_destination(channel, plan))]
    args += ["--job-dir", model_dir]
    args += list(plan.training.extra_args)
    return args


def channel_destination(channel: Any, plan: Plan) -> str:
    if channel.destination:
        return channel.destination
    bucket = plan.training.staging_bucket or LOCAL_STAGING_BUCKET
    return f"gs://{bucket}/liftshift/data/{channel.name}"


_LABEL_RE = re.compile(r"[^a-z0-9_-]+")


def _slug(text: str) -> str:
    return _LABEL_RE.sub("-", text.lower()).strip("-")[:63] or "trainer"


def build_job_spec(
    plan: Plan,
    settings: Settings,
    overrides: TrainOverrides | None = None,
    *,
    now: float | None = None,
    token: str | None = None,
) -> JobSpec:
    """The job the plan describes, with ``overrides`` applied. Pure: no network, no files,
    so ``train --dry-run`` and the app's preview show exactly what would be sent.

    The job's output folder ends in ``token`` (random unless given), so two jobs started in
    the same second never share a model folder: a job that saved nothing must not look as if
    it had."""
    overrides = overrides or TrainOverrides()
    training = plan.training
    target = overrides.target or settings.target
    launch = launches.LAUNCHES.get(training.distribution)
    pools = tuple(_with_launch(_choose_pools(plan, overrides), plan, overrides))
    staging = (overrides.staging_bucket or training.staging_bucket).removeprefix("gs://")
    staging = staging.strip("/")
    if not staging:
        if target == "gcp":
            raise JobSpecError(
                "no staging bucket: pass --staging-bucket BUCKET or set training.staging_bucket "
                "in liftshift.toml (the package and the job's outputs go there)"
            )
        staging = LOCAL_STAGING_BUCKET
    display = overrides.display_name or training.display_name or _default_name(plan, settings)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now if now is not None else time.time()))
    job_name = f"{_slug(display)}-{stamp}"
    token = uuid.uuid4().hex[:6] if token is None else token
    base = f"gs://{staging}/liftshift/jobs/{job_name}" + (f"-{token}" if token else "")
    hyperparameters = {**training.hyperparameters, **overrides.hyperparameters}
    args = trainer_args(plan, hyperparameters, f"{base}/model")
    gpu = any(p.machine.accelerator_type.startswith("NVIDIA") for p in pools)
    executor, executor_note = _training_image(plan, gpu)
    if any(p.machine.accelerator_type.startswith("TPU") for p in pools):
        executor_note = "; ".join(
            n
            for n in (
                executor_note,
                "TPU machines need a TPU training image (tf-tpu…, pytorch-xla…): set "
                "training.training_container",
            )
            if n
        )
    prediction, prediction_note = _prediction_image(plan)
    samples = tuple(
        (channel_destination(c, plan), c.sample_data) for c in plan.data.channels if c.sample_data
    )
    return JobSpec(
        display_name=display,
        job_name=job_name,
        package_name=plan.code.package or "trainer",
        python_module=plan.code.module or "trainer.task",
        args=tuple(args),
        pools=pools,
        executor_image_uri=executor,
        executor_note=executor_note,
        staging_bucket=staging,
        base_output_dir=base,
        region=overrides.region or plan.target.region or settings.gcp.region,
        project=plan.target.gcp_project or settings.gcp.project or "",
        service_account=overrides.service_account or training.service_account,
        labels={"created-by": "liftshift", "liftshift-job": _slug(display)},
        timeout_seconds=int(training.timeout_hours * 3600),
        framework=training.framework,
        framework_version=training.framework_version,
        model_display_name=plan.model.display_name or display,
        prediction_container=prediction,
        prediction_note=prediction_note,
        serving=plan.model.serving,
        predictor_module=predictor_module(plan.code.package),
        predictor_class=PREDICTOR_CLASS,
        version_aliases=tuple(plan.model.version_aliases),
        version_description=plan.model.description or f"Trained by liftshift job {job_name}",
        sample_data=samples,
        channel_uris=tuple(
            channel_dir_uri(channel_destination(c, plan)) for c in plan.data.channels
        ),
        distribution=training.distribution,
        distribution_note=f"distribution {launch.kind}: {launch.describe()}" if launch else "",
    )


def _default_name(plan: Plan, settings: Settings) -> str:
    return settings.project_dir.name or plan.code.package or "trainer"


def _choose_pools(plan: Plan, overrides: TrainOverrides) -> list[WorkerPoolSpec]:
    """The plan's pools, or those the flags choose. A CUSTOM machine (the plan's, or one
    given with ``--machine-type``) keeps the plan's replica count: SageMaker ran
    ``instance_count`` identical hosts, so the chief plus ``instance_count - 1`` workers."""
    training = plan.training
    if overrides.machine_type or overrides.accelerator:
        if not overrides.machine_type:
            raise JobSpecError("--accelerator needs --machine-type")
        machine = machines.custom_machine(overrides.machine_type, overrides.accelerator)
        return _replicas(machines.scale_tier(machines.CUSTOM, custom=machine), training)
    if overrides.scale_tier and not _is_custom(overrides.scale_tier):
        return machines.scale_tier(overrides.scale_tier, custom=_plan_machine(plan))
    tier = (overrides.scale_tier or training.scale_tier or "").strip()
    if _is_custom(tier) or (not tier and training.machine_type):
        pools = machines.scale_tier(machines.CUSTOM, custom=_plan_machine(plan))
        return _replicas(pools, training)
    if tier:
        return machines.scale_tier(tier)
    if training.sagemaker_instance_type:
        return machines.pools_for_instance(
            training.sagemaker_instance_type, training.instance_count
        )
    return machines.scale_tier("BASIC")


def _is_custom(tier: str) -> bool:
    return tier.strip().upper().replace("-", "_") == machines.CUSTOM


def _replicas(pools: list[WorkerPoolSpec], training: TrainingPlan) -> list[WorkerPoolSpec]:
    """One CUSTOM chief plus ``instance_count - 1`` workers on the same machine."""
    if training.instance_count > 1:
        worker = WorkerPoolSpec("worker", pools[0].machine, training.instance_count - 1)
        pools.append(worker)
    return pools


def _with_launch(
    pools: list[WorkerPoolSpec], plan: Plan, overrides: TrainOverrides
) -> list[WorkerPoolSpec]:
    """The pools with what the plan's distributed launch adds: the parameter-server pool
    (``workerPoolSpecs[2]``, on the chief's machine) unless a preset tier has its own. A
    launch Vertex AI cannot start (MPI, model parallelism) on more than one replica is
    refused: each replica would train alone."""
    training = plan.training
    launch = launches.LAUNCHES.get(training.distribution)
    replicas = sum(pool.replica_count for pool in pools if pool.role in ("chief", "worker"))
    if launch is not None and not launch.supported and replicas > 1:
        raise JobSpecError(
            f"training.distribution = {launch.kind!r}: {launch.vertex}, so {replicas} replicas "
            "would each train alone; set training.instance_count = 1 (and no multi-worker "
            f"scale tier), or convert the script: {launch.todo}"
        )
    has_servers = any(pool.role == "parameter_server" for pool in pools)
    preset = bool(overrides.scale_tier) and not _is_custom(overrides.scale_tier or "")
    if training.parameter_servers > 0 and not has_servers and not preset:
        chief = pools[0].machine
        pools.append(WorkerPoolSpec("parameter_server", chief, training.parameter_servers))
    return pools


def _plan_machine(plan: Plan) -> MachineSpec | None:
    training = plan.training
    if not training.machine_type:
        return None
    return machines.validate_machine(
        MachineSpec(training.machine_type, training.accelerator_type, training.accelerator_count)
    )


def _training_image(plan: Plan, gpu: bool) -> tuple[str, str]:
    training = plan.training
    if training.training_container:
        return training.training_container, ""
    try:
        choice = containers.training_container(
            training.framework,
            training.framework_version.split("-")[0],
            gpu=gpu,
            py_version=training.py_version or None,
        )
    except containers.NoPrebuiltContainer as exc:
        raise JobSpecError(str(exc)) from exc
    return choice.uri, choice.note


def _prediction_image(plan: Plan) -> tuple[str, str]:
    if plan.model.prediction_container:
        return plan.model.prediction_container, ""
    try:
        choice = containers.prediction_container(
            plan.training.framework, plan.training.framework_version.split("-")[0]
        )
    except containers.NoPrebuiltContainer as exc:
        return "", str(exc)
    return choice.uri, choice.note


# the Vertex requests, as plain data (what --dry-run prints and the Vertex backend sends)


def worker_pool_specs(
    spec: JobSpec, package_uri: str, *, reveal: bool = False
) -> list[dict[str, Any]]:
    """``worker_pool_specs`` of the CustomJob: every pool runs the same package and args, at
    the position that gives its role (0 chief, 1 workers, 2 parameter servers, 3 evaluators);
    a role the job does not use before one it does is an empty pool, as the API wants.

    Secret hyperparameters show as ``${NAME}`` or ``<redacted>``; only the request actually
    sent (``reveal=True``) carries their values, read from the environment at that moment."""
    args = expand_placeholders(spec.args) if reveal else redact_args(spec.args)
    pools: list[dict[str, Any]] = []
    for pool in sorted(spec.pools, key=lambda item: machines.ROLES.index(item.role)):
        position = machines.ROLES.index(pool.role)
        while len(pools) < position:  # Vertex AI reads a pool's role from its position
            pools.append({})
        pools.append(
            {
                "machine_spec": pool.machine.to_api(),
                "replica_count": pool.replica_count,
                "python_package_spec": {
                    "executor_image_uri": spec.executor_image_uri,
                    "package_uris": [package_uri],
                    "python_module": spec.python_module,
                    "args": list(args),
                },
            }
        )
    return pools


def custom_job_request(spec: JobSpec, package_uri: str) -> dict[str, Any]:
    """The ``CreateCustomJob`` request body (snake_case, as the Python clients take it)."""
    job_spec: dict[str, Any] = {
        "worker_pool_specs": worker_pool_specs(spec, package_uri),
        "base_output_directory": {"output_uri_prefix": spec.base_output_dir},
    }
    if spec.service_account:
        job_spec["service_account"] = spec.service_account
    if spec.timeout_seconds:
        job_spec["scheduling"] = {"timeout": f"{spec.timeout_seconds}s"}
    return {
        "parent": f"projects/{spec.project or '<project>'}/locations/{spec.region}",
        "custom_job": {"display_name": spec.job_name, "job_spec": job_spec, "labels": spec.labels},
    }


def model_upload_request(
    spec: JobSpec, parent_model: str = "", container_spec: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``UploadModel`` request: a new version of ``parent_model`` when the model exists.
    ``container_spec`` (a CPR version's, from ``serving.container_spec``) replaces the prebuilt
    image."""
    request: dict[str, Any] = {
        "parent": f"projects/{spec.project or '<project>'}/locations/{spec.region}",
        "model": {
            "display_name": spec.model_display_name,
            "artifact_uri": spec.model_dir,
            "container_spec": container_spec or {"image_uri": spec.prediction_container},
            "version_aliases": list(spec.version_aliases),
            "version_description": spec.version_description,
            "labels": spec.labels,
        },
    }
    if parent_model:
        request["parent_model"] = parent_model
    return request
