"""The migration plan: ``liftshift.toml`` at the project root.

The app writes it, the CLI reads it, a person can review, edit and commit it, and every step can
be rerun from it. It never holds secrets. Saving merges into the existing document with tomlkit,
so comments, ordering and the user's own edits survive a rerun of ``liftshift plan``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import tomli

from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.secrets import placeholder, referenced_variable
from liftshift.foundation.settings import Settings

PLAN_FILENAME = "liftshift.toml"
PLAN_VERSION = 1
PREDICTOR_CLASS = "HandlersPredictor"
"""The custom prediction routine LS007 writes to ``<package>/predictor.py``."""


def predictor_module(package: str) -> str:
    """The module holding :data:`PREDICTOR_CLASS` inside the trainer package."""
    return f"{package or 'trainer'}.predictor"


class PlanError(ValueError):
    """The plan file is missing, unreadable or has a value of the wrong kind."""


@dataclass
class TargetPlan:
    name: Literal["local", "gcp"] = "local"
    gcp_project: str = ""
    region: str = "us-central1"


@dataclass
class CodePlan:
    entry_point: str = ""
    """The training script, relative to the project root (as found by the scan)."""
    source_dir: str = "."
    package: str = "trainer"
    module: str = "trainer.task"
    rules: list[str] = field(default_factory=list)
    """Enabled codemod rule codes; empty means all."""
    launchers: list[str] = field(default_factory=list)
    install_requires: list[str] = field(default_factory=list)
    """Distributions the trainer package needs when the project has no ``requirements.txt``
    (the plan derives them from the trainer's imports: ``sklearn`` → ``scikit-learn``)."""


@dataclass
class ChannelPlan:
    name: str = ""
    source: str = ""
    """``s3://bucket/prefix`` (or a local folder) the data comes from."""
    destination: str = ""
    """``gs://bucket/prefix`` the migrated trainer reads."""
    argument: str = ""
    """The trainer's command-line flag that receives this channel's path (``--train``); the
    training backends pass it explicitly, so the same code runs on Vertex and locally."""
    sample_data: str = ""
    """A folder or file in the project with sample data for this channel; the ``local`` target
    seeds its "S3" from it on first use, so examples run with no manual step."""


@dataclass
class DataPlan:
    access: Literal["fuse", "gs"] = "fuse"
    """How the migrated trainer reads GCS: the ``/gcs/<bucket>`` Cloud Storage FUSE mount, or
    ``gs://`` URIs through a GCS client."""
    engine: Literal["auto", "copy", "sts"] = "auto"
    channels: list[ChannelPlan] = field(default_factory=list)


@dataclass
class TrainingPlan:
    framework: str = ""
    framework_version: str = ""
    py_version: str = ""
    sagemaker_instance_type: str = ""
    instance_count: int = 1
    distribution: str = ""
    """SageMaker's distributed launch, as mapped to Vertex AI worker pools
    (``foundation.catalog.launches``): ``parameter_server``, ``multi_worker_mirrored_strategy``,
    ``pytorchddp``, ``torch_distributed``, ``smdistributed_dataparallel`` (chief + workers),
    ``mpi``, ``smdistributed_modelparallel`` (one replica: Vertex AI cannot start them); empty
    for none."""
    parameter_servers: int = 0
    """Replicas of the parameter-server pool (``workerPoolSpecs[2]``), on the chief's machine."""
    scale_tier: str = "BASIC"
    """A preset (BASIC, BASIC_GPU, STANDARD_1, …) or CUSTOM with the machine fields below."""
    machine_type: str = ""
    accelerator_type: str = ""
    accelerator_count: int = 0
    training_container: str = ""
    staging_bucket: str = ""
    service_account: str = ""
    display_name: str = ""
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    timeout_hours: float = 0.0


@dataclass
class ModelPlan:
    display_name: str = ""
    prediction_container: str = ""
    """The prebuilt prediction image (``serving = "prebuilt"``)."""
    serving: Literal["prebuilt", "cpr"] = "prebuilt"
    """``prebuilt``: Vertex's prediction container loads the artifact by file name.
    ``cpr``: the project's SageMaker handlers serve it, through the custom prediction routine
    LS007 writes (``<package>/predictor.py``) in an image built from the trainer package."""
    version_aliases: list[str] = field(default_factory=list)
    description: str = ""


GRANT_ON_PROJECT = "project"
"""``IamGrantPlan.resource`` for a binding on the project's IAM policy."""
GRANT_ON_SERVICE_ACCOUNT = "service-account"
"""``IamGrantPlan.resource`` for a binding on the job's service account's own policy."""


@dataclass
class IamGrantPlan:
    """One Google Cloud IAM binding the job (or the person launching it) needs."""

    role: str = ""
    """``roles/storage.objectViewer``, ``roles/logging.logWriter``, …"""
    resource: str = ""
    """``gs://bucket`` (a bucket policy), ``project`` (the project policy) or
    ``service-account`` (the policy of the job's service account)."""
    member: str = "job"
    """``job`` (the service account below), ``launcher`` (``iam.launcher``) or any IAM member
    (``user:…``, ``group:…``, ``serviceAccount:…``)."""
    condition: str = ""
    """An IAM condition (CEL), e.g. ``resource.name.startsWith("projects/_/buckets/b/objects/p/")``
    when the AWS role was scoped to a prefix; empty for none."""
    sources: list[str] = field(default_factory=list)
    """Where the grant comes from: AWS statements (``policy/Sid: s3:GetObject on arn:…``) or
    plan facts (``channel train reads …``)."""


@dataclass
class IamNotePlan:
    """A permission of the AWS role that is not carried over, and what to do instead."""

    permission: str = ""
    google: str = ""
    """The Google Cloud equivalent to set up by hand, or ``not needed on Vertex AI``."""
    source: str = ""


@dataclass
class IamPlan:
    source_role: str = ""
    """The SageMaker execution role ARN the mapping was read from (empty: from the plan alone)."""
    service_account: str = ""
    """The job's service account e-mail; ``training.service_account`` follows it."""
    launcher: str = ""
    """The IAM member who launches jobs (``user:you@example.com``); empty leaves the launcher
    grants for you to give."""
    grants: list[IamGrantPlan] = field(default_factory=list)
    not_carried: list[IamNotePlan] = field(default_factory=list)


@dataclass
class Plan:
    version: int = PLAN_VERSION
    target: TargetPlan = field(default_factory=TargetPlan)
    code: CodePlan = field(default_factory=CodePlan)
    data: DataPlan = field(default_factory=DataPlan)
    training: TrainingPlan = field(default_factory=TrainingPlan)
    model: ModelPlan = field(default_factory=ModelPlan)
    iam: IamPlan = field(default_factory=IamPlan)


def settings_for_plan(
    plan: Plan | None,
    settings: Settings,
    *,
    target: str | None = None,
    region: str | None = None,
) -> Settings:
    """The settings a step runs with: environment, then the plan, then flags (rising
    priority). The CLI, ``liftshift run`` and the app all call this, so they agree on where a
    job goes. Empty plan values leave the environment's in place."""
    gcp = settings.gcp
    chosen = target or (plan.target.name if plan else settings.target)
    if plan is not None and plan.target.gcp_project:
        gcp = replace(gcp, project=plan.target.gcp_project)
    if region or (plan is not None and plan.target.region):
        gcp = replace(gcp, region=region or plan.target.region)  # type: ignore[union-attr]
    return replace(settings, target="gcp" if chosen == "gcp" else "local", gcp=gcp)


def plan_path(project_dir: Path) -> Path:
    return Path(project_dir) / PLAN_FILENAME


def load_plan(project_dir: Path) -> Plan:
    """Read ``liftshift.toml``; raises :class:`PlanError` with the file and key on bad input.

    Every value is checked here, before anything runs or costs money: the types, then the
    rules registered with :func:`plan_check` (``foundation/plan_checks.py``)."""
    path = plan_path(project_dir)
    try:
        # tomli, not tomlkit: reading needs no style preservation; tomli (the library the
        # stdlib's tomllib was taken from) ships compiled wheels, ~3x faster than tomllib
        data = tomli.loads(_read_text(path))
    except FileNotFoundError as exc:
        raise PlanError(f"{path}: no plan yet; run `liftshift plan {project_dir}`") from exc
    except tomli.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML: {exc}") from exc
    plan = _from_data(Plan, data, f"{path}:")
    check_plan(plan, PlanContext(path, Path(project_dir)))
    return plan


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}); "
            "save it as UTF-8"
        ) from exc


# checks of plan values: each section (a dataclass) has its own, registered by type, so a new
# section brings its checks along (``@plan_check(IamPlan)`` in plan_checks.py)

PlanProblem = tuple[str, str]
"""``(key, rule broken)``: the key relative to its section, the rule in words."""
PlanCheck = Callable[[Any, "PlanContext"], Iterable[PlanProblem]]
_CHECKS: dict[type, list[PlanCheck]] = {}


@dataclass(frozen=True)
class PlanContext:
    """What a check may need besides the section: the plan file and the project folder."""

    path: Path
    project_dir: Path


def plan_check(section: type) -> Callable[[PlanCheck], PlanCheck]:
    """Register a check for every ``section`` instance in a loaded plan. The check yields
    ``(key, rule)`` pairs; the error names the file, the full key and the rule."""

    def register(check: PlanCheck) -> PlanCheck:
        _CHECKS.setdefault(section, []).append(check)
        return check

    return register


def plan_problems(plan: Plan, context: PlanContext) -> list[str]:
    """Every broken rule in ``plan``, as ``full.key: rule``."""
    from liftshift.foundation import plan_checks  # noqa: F401  (registers the checks)

    problems: list[str] = []
    _walk(plan, "", context, problems)
    return problems


def check_plan(plan: Plan, context: PlanContext) -> None:
    """Raise :class:`PlanError` naming the file, key and rule of the first broken rule."""
    problems = plan_problems(plan, context)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PlanError(f"{context.path}: {problems[0]}{more}")


def _walk(section: Any, prefix: str, context: PlanContext, problems: list[str]) -> None:
    for check in _CHECKS.get(type(section), []):
        problems.extend(f"{prefix}{key}: {rule}" for key, rule in check(section, context))
    for name in _field_names(type(section)):
        value = getattr(section, name)
        if dataclasses.is_dataclass(value):
            _walk(value, f"{prefix}{name}.", context, problems)
        elif isinstance(value, list):
            for index, element in enumerate(value):
                if dataclasses.is_dataclass(element):
                    _walk(element, f"{prefix}{name}[{index}].", context, problems)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """``dataclasses.fields`` names, once per class: the check walk visits ~8 sections a plan
    and ``migrate --check`` loads one plan per project."""
    return tuple(item.name for item in dataclasses.fields(cls))


def save_plan(
    plan: Plan,
    project_dir: Path,
    *,
    keep_existing: bool = True,
    replace_keys: tuple[str, ...] = (),
) -> Path:
    """Write the plan. With ``keep_existing``, values already in the file win over ``plan``
    (the user's edits), and only missing keys are added; comments are preserved.
    ``replace_keys`` (dotted: ``iam``, ``training.service_account``) are written from ``plan``
    whatever the file holds: a step that derives them (``liftshift iam plan``) owns them."""
    import tomlkit  # only writing needs it (comments survive); reading uses tomli

    path = plan_path(project_dir)
    data = dataclasses.asdict(plan)
    if path.exists():
        document = tomlkit.parse(_read_text(path))
    else:
        document = tomlkit.document()
        document.add(tomlkit.comment("liftshift migration plan: review, edit and commit it."))
        document.add(tomlkit.comment("Rerunning `liftshift plan` keeps your edits."))
    _merge(document, data, keep_existing=keep_existing, replace_keys=replace_keys)
    write_atomic(path, tomlkit.dumps(document))
    return path


def _merge(
    table: Any,
    data: dict[str, Any],
    *,
    keep_existing: bool,
    replace_keys: tuple[str, ...] = (),
    prefix: str = "",
) -> None:
    import tomlkit

    for key, value in data.items():
        path = f"{prefix}{key}"
        present = key in table
        if present and path in replace_keys:
            del table[key]
            present = False
        if referenced_variable(value) is not None:
            if not present or not keep_existing:  # a secret's reference: one inline table
                reference = tomlkit.inline_table()
                reference.update(value)
                table[key] = reference
        elif isinstance(value, dict) and value and (not present or isinstance(table[key], dict)):
            if not present:
                table[key] = tomlkit.table()
            _merge(
                table[key],
                value,
                keep_existing=keep_existing,
                replace_keys=replace_keys,
                prefix=f"{path}.",
            )
        elif not present or not keep_existing:
            if isinstance(value, list) and value and isinstance(value[0], dict):
                array = tomlkit.aot()
                for item in value:
                    array.append(item)
                table[key] = array
            else:
                table[key] = value


def _from_data(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise PlanError(f"{where} expected a table, got {data!r}")
    fields = _field_kinds(cls)
    unknown = sorted(set(data) - fields.keys())
    if unknown:
        raise PlanError(f"{where} unknown key(s): {', '.join(unknown)}")
    kwargs = {name: _coerce(fields[name], value, f"{where}{name}.") for name, value in data.items()}
    return cls(**kwargs)


Kind = tuple[str, Any]
"""How a value of one field is read: ``(what, detail)``, as :func:`_kind` resolves a hint."""


@functools.cache
def _field_kinds(cls: type) -> dict[str, Kind]:
    """Each field's kind, resolved once per class: reading the typing information again for
    every value was a third of a plan load (``migrate --check`` loads one plan per project)."""
    hints = typing.get_type_hints(cls)
    return {field.name: _kind(hints[field.name]) for field in dataclasses.fields(cls)}


def _kind(hint: Any) -> Kind:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return ("table", hint)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        return ("list", _kind(item_hint))
    if origin is Literal:
        return ("literal", typing.get_args(hint))
    if origin in (dict, types.UnionType) or hint is Any:
        return ("any", None)
    if hint is float:
        return ("float", None)
    if isinstance(hint, type):
        return ("type", hint)
    return ("any", None)


def _coerce(kind: Kind, value: Any, where: str) -> Any:
    what, detail = kind
    if what == "table":
        return _from_data(detail, value, where)
    if what == "list":
        if not isinstance(value, list):
            raise PlanError(f"{where.rstrip('.')}: expected a list, got {value!r}")
        return [_coerce(detail, item, where) for item in value]
    if what == "literal":
        if value not in detail:
            raise PlanError(f"{where.rstrip('.')}: {value!r} is not one of {detail}")
        return value
    if what == "float":
        if isinstance(value, int):
            return float(value)
        detail = float
    if detail is not None and not isinstance(value, detail):
        raise PlanError(f"{where.rstrip('.')}: expected {detail.__name__}, got {value!r}")
    return value


def hyperparameter_flag(key: str) -> str:
    """The flag a hyperparameter is passed with: ``--key``, but ``-k`` for a one-letter key, as
    SageMaker's training toolkit renders it (``mapping.to_cmd_args``), so a script declaring
    ``-C`` reads the same ``C`` on Vertex AI as it did on SageMaker."""
    return f"--{key}" if len(key) > 1 else f"-{key}"


def format_hyperparameter(value: Any) -> str:
    """Values as SageMaker passes them: strings as-is, other JSON values JSON-encoded. A secret
    (``{ env = "NAME" }``) becomes the placeholder ``${NAME}``, expanded only at launch."""
    variable = referenced_variable(value)
    if variable is not None:
        return placeholder(variable)
    return value if isinstance(value, str) else json.dumps(value)
