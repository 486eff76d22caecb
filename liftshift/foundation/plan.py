"""The migration plan: ``liftshift.toml`` at the project root.

The app writes it, the CLI reads it, a person can review, edit and commit it, and every step can
be rerun from it. It never holds secrets. Saving merges into the existing document with tomlkit,
so comments, ordering and the user's own edits survive a rerun of ``liftshift plan``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.settings import Settings

PLAN_FILENAME = "liftshift.toml"
PLAN_VERSION = 1


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
    version_aliases: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Plan:
    version: int = PLAN_VERSION
    target: TargetPlan = field(default_factory=TargetPlan)
    code: CodePlan = field(default_factory=CodePlan)
    data: DataPlan = field(default_factory=DataPlan)
    training: TrainingPlan = field(default_factory=TrainingPlan)
    model: ModelPlan = field(default_factory=ModelPlan)


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
    """Read ``liftshift.toml``; raises :class:`PlanError` with the file and key on bad input."""
    path = plan_path(project_dir)
    try:
        # tomllib, not tomlkit: reading needs no style preservation and is ~10x faster
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PlanError(f"{path}: no plan yet; run `liftshift plan {project_dir}`") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}: not valid TOML: {exc}") from exc
    return _from_data(Plan, data, f"{path}:")


def save_plan(plan: Plan, project_dir: Path, *, keep_existing: bool = True) -> Path:
    """Write the plan. With ``keep_existing``, values already in the file win over ``plan``
    (the user's edits), and only missing keys are added; comments are preserved."""
    import tomlkit  # only writing needs it (comments survive); reading uses tomllib

    path = plan_path(project_dir)
    data = dataclasses.asdict(plan)
    if path.exists():
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    else:
        document = tomlkit.document()
        document.add(tomlkit.comment("liftshift migration plan: review, edit and commit it."))
        document.add(tomlkit.comment("Rerunning `liftshift plan` keeps your edits."))
    _merge(document, data, keep_existing=keep_existing)
    write_atomic(path, tomlkit.dumps(document))
    return path


def _merge(table: Any, data: dict[str, Any], *, keep_existing: bool) -> None:
    import tomlkit

    for key, value in data.items():
        present = key in table
        if isinstance(value, dict) and value and (not present or isinstance(table[key], dict)):
            if not present:
                table[key] = tomlkit.table()
            _merge(table[key], value, keep_existing=keep_existing)
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
    hints = _type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PlanError(f"{where} unknown key(s): {', '.join(unknown)}")
    kwargs = {name: _coerce(hints[name], value, f"{where}{name}.") for name, value in data.items()}
    return cls(**kwargs)


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _from_data(hint, value, where)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise PlanError(f"{where.rstrip('.')}: expected a list, got {value!r}")
        return [_coerce(item_hint, item, where) for item in value]
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise PlanError(f"{where.rstrip('.')}: {value!r} is not one of {allowed}")
        return value
    if origin in (dict, types.UnionType) or hint is Any:
        return value
    if hint is float and isinstance(value, int):
        return float(value)
    if isinstance(hint, type) and not isinstance(value, hint):
        raise PlanError(f"{where.rstrip('.')}: expected {hint.__name__}, got {value!r}")
    return value


def format_hyperparameter(value: Any) -> str:
    """Values as SageMaker passes them: strings as-is, other JSON values JSON-encoded."""
    return value if isinstance(value, str) else json.dumps(value)
