"""What a scan finds in a SageMaker project: plain dataclasses, JSON-ready via ``to_dict``.

These types are the contract between the scanner and everything after it (plan, codemods, the
app). Paths are POSIX strings relative to the project root so reports and JSON are stable across
machines. Values a scan could not resolve statically are kept as :class:`Unresolved`, never
guessed.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Location:
    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


@dataclass(frozen=True)
class Unresolved:
    """A value the scan could not compute without running code; ``source`` is the expression."""

    source: str


Value = Any  # a JSON-compatible literal, or Unresolved


@dataclass(frozen=True)
class Finding:
    """Something the user must know: "file does not parse", "Pipe mode has no Vertex
    equivalent", "launcher hyperparameter not static". ``code`` is stable for machines."""

    code: str
    message: str
    severity: Severity
    location: Location


@dataclass(frozen=True)
class Channel:
    """A ``fit()`` input: channel name → where SageMaker read it from."""

    name: str
    uri: Value
    """``s3://…`` string, or Unresolved."""
    content_type: str | None = None
    input_mode: str | None = None
    """``File`` / ``Pipe`` / ``FastFile`` when given."""


@dataclass
class Launcher:
    """A place (``.py`` or notebook cell) that builds a SageMaker estimator or ModelTrainer."""

    location: Location
    estimator: str
    """Qualified-ish class name: ``sagemaker.sklearn.SKLearn``, ``ModelTrainer``, …"""
    framework: str | None = None
    """``sklearn``, ``tensorflow``, ``pytorch``, ``xgboost``, ``huggingface``, ``mxnet``, or None
    for a generic Estimator with a custom image."""
    entry_point: Value = None
    source_dir: Value = None
    framework_version: Value = None
    py_version: Value = None
    image_uri: Value = None
    hyperparameters: dict[str, Value] = field(default_factory=dict)
    instance_type: Value = None
    instance_count: Value = None
    role: Value = None
    """The execution role as given: an ARN or role name, or Unresolved."""
    role_kind: str | None = None
    """What ``role`` is: ``arn``, ``name`` (SageMaker expands a bare role name), ``execution-role``
    (``get_execution_role()``: the notebook's own role, known only at run time) or
    ``unresolved`` (another expression); None when the launcher names no role."""
    output_path: Value = None
    checkpoint_s3_uri: Value = None
    distribution: Value = None
    channels: list[Channel] = field(default_factory=list)
    notebook_cell: int | None = None
    """Index of the code cell for launchers in notebooks (``location.line`` is within the cell)."""
    sdk_version: int = 2


@dataclass(frozen=True)
class EnvRead:
    """One read of a SageMaker environment variable in a training script."""

    name: str
    """``SM_MODEL_DIR``…; for names built at run time, the pattern (``SM_CHANNEL_{x}``)."""
    style: str
    """``argparse_default`` | ``environ_subscript`` | ``environ_get`` | ``getenv`` | ``json_loads``
    | ``helper`` | ``dynamic`` | ``lookup`` | ``sagemaker_training``"""
    location: Location


@dataclass(frozen=True)
class ArgumentSpec:
    """An argparse argument the script declares."""

    flags: tuple[str, ...]
    dest: str | None
    type: str | None
    default_source: str | None
    location: Location


@dataclass(frozen=True)
class ChannelFlag:
    """A flag a migrated trainer reads a channel's folder from: once liftshift has rewritten
    ``SM_CHANNEL_<NAME>`` and ``/opt/ml/input/data/<name>``, the reads that are left say which
    flag takes which channel (``_liftshift_path(_liftshift_arg("--train", None, None))``, an
    argparse flag with ``type=_liftshift_path``, ``_liftshift_config_dir({"train": "--train"})``).
    """

    name: str
    """The channel: as written (``{"train": "--train"}``), else the flag's name without
    ``--`` and a ``-dir``/``_dir`` suffix (``--training-dir`` → ``training``)."""
    flag: str
    location: Location


@dataclass(frozen=True)
class CodeRef:
    """A call or definition of interest (model save, data read, handler, import)."""

    kind: str
    """e.g. ``joblib.dump``, ``model.save``, ``pandas.read_csv``, ``TFRecordDataset``,
    ``model_fn``, ``sibling_import``."""
    detail: str
    location: Location


@dataclass
class ScriptFacts:
    """What the code of one script shows. The scanner fills these per file
    (``scan.visitor.ModuleFacts``) and an :class:`EntryPoint` carries them over, so the two
    can never disagree on what a script is made of."""

    env_reads: list[EnvRead] = field(default_factory=list)
    opt_ml_paths: list[CodeRef] = field(default_factory=list)
    arguments: list[ArgumentSpec] = field(default_factory=list)
    model_saves: list[CodeRef] = field(default_factory=list)
    data_reads: list[CodeRef] = field(default_factory=list)
    inference_handlers: list[CodeRef] = field(default_factory=list)
    channel_flags: list[ChannelFlag] = field(default_factory=list)
    """Set in a migrated trainer (and the package modules it imports); empty before."""
    has_main_guard: bool = False

    def script_facts(self) -> dict[str, Any]:
        """These fields alone (lists copied), to build another :class:`ScriptFacts` from."""
        return {f.name: copy.copy(getattr(self, f.name)) for f in dataclasses.fields(ScriptFacts)}


@dataclass(kw_only=True)
class EntryPoint(ScriptFacts):
    """A training script: referenced by a launcher, or reading ``SM_*`` / ``/opt/ml`` itself."""

    path: str
    referenced_by: list[Location] = field(default_factory=list)
    sibling_imports: list[CodeRef] = field(default_factory=list)
    requirements: str | None = None
    """Path of the ``requirements.txt`` that ships with it, if any."""
    imports: list[str] = field(default_factory=list)
    """Top-level modules it imports (absolute imports, any depth), sorted."""


@dataclass
class PastJob:
    """A SageMaker training job read with DescribeTrainingJob (``scan --from-job``)."""

    name: str
    hyperparameters: dict[str, Value] = field(default_factory=dict)
    channels: list[Channel] = field(default_factory=list)
    instance_type: str | None = None
    instance_count: int | None = None
    image: str | None = None
    role: str | None = None
    output_path: str | None = None
    status: str | None = None


SCAN_SCHEMA_VERSION = 1


@dataclass
class ProjectScan:
    root: str
    launchers: list[Launcher] = field(default_factory=list)
    entry_points: list[EntryPoint] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    past_jobs: list[PastJob] = field(default_factory=list)
    files_scanned: int = 0
    migrated_module: str | None = None
    """``trainer/train.py`` when liftshift already made the trainer package (its
    ``__init__.py`` says which module Vertex runs); the project is migrated."""

    @property
    def is_sagemaker_project(self) -> bool:
        return bool(self.launchers or self.entry_points or self.past_jobs)

    def to_dict(self) -> dict[str, Any]:
        """The documented ``scan --json`` schema (versioned by ``schema_version``)."""
        return {"schema_version": SCAN_SCHEMA_VERSION, **_jsonable(dataclasses.asdict(self))}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"source"}:  # an Unresolved after asdict()
            return {"unresolved": value["source"]}
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value
