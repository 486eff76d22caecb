"""From a scan to a proposed migration plan (``liftshift.toml``), with sensible defaults.

Rules a reader can predict, documented in ``docs/scan-json.md``:

- the primary launcher is the first one whose entry point is in the project (or, found in the
  enclosing git repository, points into it); the plan's code, training and model settings come
  from it (or, with no launcher, from ``scan --from-job``);
- with no such launcher the entry point is chosen by evidence (``scan.entry_choice``) and the
  reason is the plan's first note; channels come from the ``SM_CHANNEL_*`` reads and
  ``/opt/ml/input/data/<name>`` paths, the framework from the imports and its version from the
  ``requirements.txt`` pin, ``install_requires`` from the imports when there is no such file;
- a channel's GCS destination keeps the bucket name and key: ``s3://b/k`` → ``gs://b/k``;
- a channel's ``argument`` is the trainer flag whose default reads ``SM_CHANNEL_<NAME>`` (in a
  migrated trainer, the flag the scan's ``channel_flags`` give for the channel);
- ``sample_data`` is a folder in the project named like the channel (``data/<name>``,
  ``<name>``), narrowed to the file the S3 URI names when that file is there;
- ``model.serving`` is ``cpr`` when the entry point (or an ``inference.py`` beside it or under
  ``code/``) defines SageMaker inference handlers with a ``model_fn``: LS007 serves them;
- the SageMaker instance type maps to a Vertex machine (``foundation.catalog.machines``) and the
  framework version to the nearest prebuilt containers (``foundation.catalog.containers``);
- with ``existing`` (the plan on disk), every value the user set wins over the proposal.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftshift.codemods import ls007_predictor
from liftshift.foundation.catalog import containers, launches, machines
from liftshift.foundation.catalog.distributions import distribution_of
from liftshift.foundation.plan import (
    ChannelPlan,
    CodePlan,
    DataPlan,
    ModelPlan,
    Plan,
    TrainingPlan,
)
from liftshift.foundation.secrets import env_reference, env_variable_for, is_secret_name
from liftshift.scan import tables
from liftshift.scan.assemble import resolve_entry_point
from liftshift.scan.entry_choice import choose_entry_point
from liftshift.scan.project import Channel, EntryPoint, Launcher, ProjectScan, Unresolved


@dataclass
class Proposal:
    """A plan plus what the user should hear about it (inexact matches, gaps)."""

    plan: Plan
    notes: list[str] = field(default_factory=list)


def plan_from_scan(scan: ProjectScan, *, existing: Plan | None = None) -> Plan:
    """The plan a scan suggests; values already in ``existing`` win (the user's edits)."""
    return propose(scan, existing=existing).plan


def propose(
    scan: ProjectScan, *, existing: Plan | None = None, entry_point: str | None = None
) -> Proposal:
    """The proposed plan. ``entry_point`` is the script the user named (``--entry-point``):
    it wins over the launcher and the evidence, and may be a script that reads no ``SM_*``."""
    notes: list[str] = []
    choice = choose_entry_point(scan, entry_point)
    launcher = choice.launcher or primary_launcher(scan)
    entry = choice.entry
    root = Path(scan.root)
    name = slug(root.name) or "model"

    code = CodePlan()
    if entry is not None:
        code.entry_point = entry.path
        code.source_dir = _source_dir(launcher if choice.launcher else None, entry)
        code.module = f"{code.package}.{module_stem(entry.path)}"
    elif entry_point:
        code.entry_point = entry_point
        code.source_dir = posixpath.dirname(entry_point) or "."
        code.module = f"{code.package}.{module_stem(entry_point)}"
    if entry_point and (entry is None or not (entry.env_reads or entry.opt_ml_paths)):
        notes.append(
            f"{entry_point} reads no SM_* variables or /opt/ml paths: liftshift packages it as "
            "named (LS001) and passes each channel of data.channels to the flag in its "
            "`argument`; set them to the script's own flags"
        )
    code.launchers = sorted(
        {item.location.path for item in scan.launchers if not item.location.path.startswith("../")}
    )
    if choice.entry is not None or not entry_point:
        notes.insert(0, f"entry point {choice.reason}")
    for item in scan.launchers:
        if item.location.path.startswith("../"):
            notes.append(
                f"launcher {item.location.path} is outside the project (same git repository): "
                "its settings are used; liftshift does not rewrite it"
            )

    training = TrainingPlan(display_name=f"{name}-training")
    model = ModelPlan(display_name=name)
    channels: list[Channel] = []
    output_path: Any = None
    if launcher is not None:
        training.framework = launcher.framework or ""
        training.framework_version = _text(launcher.framework_version)
        training.py_version = _text(launcher.py_version)
        training.sagemaker_instance_type = _text(launcher.instance_type)
        if isinstance(launcher.instance_count, int) and launcher.instance_count > 0:
            training.instance_count = launcher.instance_count
        training.hyperparameters = _static(launcher.hyperparameters, notes)
        _distribution(launcher.distribution, training, notes)
        channels = list(launcher.channels)
        output_path = launcher.output_path
        model.description = f"Migrated from SageMaker {launcher.estimator.rsplit('.', 1)[-1]}"
    elif scan.past_jobs:
        job = scan.past_jobs[0]
        training.sagemaker_instance_type = job.instance_type or ""
        training.instance_count = job.instance_count or 1
        training.hyperparameters = _static(job.hyperparameters, notes)
        channels = list(job.channels)
        output_path = job.output_path
        model.description = f"Migrated from SageMaker training job {job.name}"
        notes.append(f"no launcher in the code: settings come from training job {job.name}")
    if launcher is not None and not channels and scan.past_jobs:
        channels = list(scan.past_jobs[0].channels)
    if not channels and entry is not None:
        channels = channels_read_by(entry, scan)
        if channels:
            notes.append(
                "channels "
                + ", ".join(channel.name for channel in channels)
                + f" come from what {entry.path} reads (no launcher or past job says more)"
            )
        elif entry.path == scan.migrated_module and (channels := migrated_channels(entry)):
            notes.append(
                "channels "
                + ", ".join(channel.name for channel in channels)
                + f" come from the path flags of the migrated {entry.path}; their sources are "
                "not in the code: set data.channels[].source (liftshift.toml keeps them)"
            )
    if entry is not None and not training.framework:
        _framework_from_code(training, entry, root, notes)
    if entry is not None and not training.distribution:
        _distribution_from_code(training, entry, scan, notes)
    if entry is not None and entry.requirements is None:
        code.install_requires = install_requires(entry, scan)

    _machine(training, notes)
    _containers(training, model, notes)

    if entry is not None and "model_fn" in serving_handlers(root, entry.path):
        model.serving = "cpr"
        notes.append(
            f"{entry.path}: SageMaker inference handlers serve the model (model.serving = "
            '"cpr": LS007 writes the predictor)'
        )
    data = DataPlan(channels=[_channel(channel, entry, root, notes) for channel in channels])
    if entry is not None and entry.path == scan.migrated_module:
        _pair_the_last_flag(data, entry, notes)
    training.staging_bucket = _staging_bucket(data, output_path)
    plan = Plan(code=code, data=data, training=training, model=model)
    plan.iam.source_role = _source_role(launcher, scan)
    if existing is not None:
        plan = keep_user_values(plan, existing)
        if existing.code.entry_point:  # the script and its folder go together
            plan.code.source_dir = existing.code.source_dir
    return Proposal(plan, notes)


def _source_role(launcher: Launcher | None, scan: ProjectScan) -> str:
    """The execution role ``liftshift iam`` reads: the launcher's ARN or role name, else the
    ``RoleArn`` of a past job (``get_execution_role()`` is known only at run time)."""
    if launcher is not None and launcher.role_kind in ("arn", "name"):
        return str(launcher.role)
    return next((job.role for job in scan.past_jobs if job.role), "")


def primary_launcher(scan: ProjectScan) -> Launcher | None:
    entries = {entry.path for entry in scan.entry_points}
    for launcher in scan.launchers:
        if resolve_entry_point(launcher, scan.root) in entries:
            return launcher
    return scan.launchers[0] if scan.launchers else None


def module_stem(path: str) -> str:
    """The module name a script becomes (``training-wrapper.py`` → ``training_wrapper``)."""
    stem = posixpath.basename(path).removesuffix(".py")
    return re.sub(r"\W", "_", stem) or "task"


CHANNEL_PATH = re.compile(r"^/opt/ml/input/data/([A-Za-z0-9_.-]+)")
CHANNEL_READ = re.compile(r"^SM_CHANNEL_([A-Z0-9_]+)$")


def channels_read_by(entry: EntryPoint, scan: ProjectScan) -> list[Channel]:
    """Channels a trainer with no launcher reads: ``SM_CHANNEL_<NAME>`` reads and
    ``/opt/ml/input/data/<name>`` paths, in it and in the project modules it imports."""
    scripts = [entry, *_helpers_of(entry, scan)]
    names: list[str] = []
    for script in scripts:
        for read in script.env_reads:
            found = CHANNEL_READ.match(read.name)
            if found:
                names.append(found.group(1).lower())
        for ref in script.opt_ml_paths:
            found = CHANNEL_PATH.match(ref.detail)
            if found:
                names.append(found.group(1))
    return [Channel(name=name, uri=None) for name in dict.fromkeys(names)]


def migrated_channels(entry: EntryPoint) -> list[Channel]:
    """The channels of a migrated trainer, from the flags it reads their folders from
    (``--train`` → ``train``, ``--training_dir`` → ``training``, or the name a
    ``{"train": "--train"}`` table gives): once the ``SM_CHANNEL_*`` reads are gone, that is
    what is left to say which flag takes a channel."""
    return [Channel(name=name, uri=None) for name in migrated_flags(entry)]


def migrated_flags(entry: EntryPoint) -> dict[str, str]:
    """Channel name → flag for each flag a migrated trainer reads a channel from (the scan's
    ``channel_flags``), in the order it reads them; a name the code spells out wins over
    the one made from the flag."""
    names: dict[str, str] = {}
    for item in entry.channel_flags:
        made = re.sub(r"[-_]dir$", "", item.flag.lstrip("-")).replace("-", "_")
        if item.flag not in names or (names[item.flag] == made and item.name != made):
            names[item.flag] = item.name
    return {name: flag for flag, name in names.items()}


def _pair_the_last_flag(data: DataPlan, entry: EntryPoint, notes: list[str]) -> None:
    """A migrated trainer with one channel the launcher names and one channel flag left that
    no channel takes (``training`` and ``--data-dir``): that flag is the channel's."""
    taken = {channel.argument for channel in data.channels}
    left = [flag for flag in migrated_flags(entry).values() if flag not in taken]
    unpaired = [channel for channel in data.channels if not channel.argument]
    if len(unpaired) == 1 and len(left) == 1:
        unpaired[0].argument = left[0]
        notes.append(
            f"channel {unpaired[0].name!r} takes {left[0]}, the one path flag of "
            f"{entry.path} no other channel takes"
        )


def _helpers_of(entry: EntryPoint, scan: ProjectScan) -> list[EntryPoint]:
    """Candidates ``entry`` imports (a helper module that reads ``SM_*`` for it)."""
    folder = posixpath.dirname(entry.path)
    wanted = set()
    for ref in entry.sibling_imports:
        words = ref.detail.split()
        if len(words) > 1 and words[0] in ("from", "import"):
            wanted.add(posixpath.join(folder, *words[1].rstrip(",").split(".")) + ".py")
    return [item for item in scan.entry_points if item.path in wanted and item is not entry]


def _framework_from_code(
    training: TrainingPlan, entry: EntryPoint, root: Path, notes: list[str]
) -> None:
    """Framework from the trainer's imports, version from the ``requirements.txt`` pin."""
    imports = set(entry.imports)
    found = [(module, name) for module, name in tables.FRAMEWORK_IMPORTS if module in imports]
    if not found:
        return
    module, framework = found[0]
    training.framework = framework
    version = _pinned_version(root, entry.requirements, framework)
    training.framework_version = version
    source = f"{entry.requirements} pins {version}" if version else "no pinned version"
    notes.append(f"framework {framework} from `import {module}` in {entry.path} ({source})")


PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\[[^\]]*\])?\s*(==|~=|>=)\s*v?(\d+)\.(\d+)")


def _pinned_version(root: Path, requirements: str | None, framework: str) -> str:
    if not requirements:
        return ""
    try:
        text = (root / requirements).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    names = tables.FRAMEWORK_DISTRIBUTIONS.get(framework, ())
    for line in text.splitlines():
        found = PIN.match(line)
        if found and found.group(1).lower() in names:
            return f"{found.group(3)}.{found.group(4)}"
    return ""


def install_requires(entry: EntryPoint, scan: ProjectScan) -> list[str]:
    """Distributions for the trainer's imports when it ships no ``requirements.txt``: not the
    standard library, not the project's own modules, not SageMaker-only libraries."""
    local = {
        name
        for script in [entry, *_helpers_of(entry, scan)]
        for ref in script.sibling_imports
        for name in _imported_heads(ref.detail)
    }
    found = []
    for module in entry.imports:
        if module in sys.stdlib_module_names or module in local or module.startswith("_"):
            continue
        if module in tables.SAGEMAKER_ONLY_LIBRARIES:
            continue
        distribution = distribution_of(module)
        if distribution:
            found.append(distribution)
    return sorted(set(found))


def _imported_heads(source: str) -> list[str]:
    words = source.replace(",", " ").split()
    if len(words) > 1 and words[0] == "from":
        return [words[1].split(".")[0]]
    if words and words[0] == "import":
        return [word.split(".")[0] for word in words[1:] if word != "as"]
    return []


def serving_handlers(root: Path, entry_path: str) -> list[str]:
    """The inference handlers LS007 would serve: a separate ``inference.py``'s with a
    ``model_fn``, else the entry point's (the same choice the rule makes)."""
    folder = posixpath.dirname(entry_path)
    for name in ls007_predictor.INFERENCE_MODULES:
        for base in dict.fromkeys((folder, "")):
            path = root / base / name
            if path.is_file():
                found = ls007_predictor.text_handler_names(_read(path))
                if "model_fn" in found:
                    return found
    entry = root / entry_path
    return ls007_predictor.text_handler_names(_read(entry)) if entry.is_file() else []


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _source_dir(launcher: Launcher | None, entry: EntryPoint) -> str:
    if launcher is not None and isinstance(launcher.source_dir, str) and launcher.source_dir:
        folder = posixpath.dirname(launcher.location.path)
        return posixpath.normpath(posixpath.join(folder, launcher.source_dir))
    return posixpath.dirname(entry.path) or "."


def _text(value: Any) -> str:
    if value is None or isinstance(value, Unresolved):
        return ""
    return str(value)


def _static(hyperparameters: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in hyperparameters.items():
        if is_secret_name(key) and not isinstance(value, int | float | bool) and value:
            variable = env_variable_for(key)
            result[key] = env_reference(variable)
            notes.append(
                f"hyperparameter {key!r} looks like a secret: the plan reads it from the "
                f"environment variable {variable} (export it before training), never the value"
            )
            continue
        if isinstance(value, Unresolved) or value is None or _has_unresolved(value):
            notes.append(f"hyperparameter {key!r} is not static ({_show(value)}); set it by hand")
            continue
        result[key] = value
    return result


def _has_unresolved(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, dict):
        return any(_has_unresolved(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_unresolved(item) for item in value)
    return False


def _show(value: Any) -> str:
    return value.source if isinstance(value, Unresolved) else repr(value)


def _distribution(distribution: Any, training: TrainingPlan, notes: list[str]) -> None:
    """Map SageMaker's ``distribution=`` launch to Vertex AI worker pools
    (``foundation.catalog.launches``) and say which mapping was made: the instance count
    becomes chief + workers (plus parameter servers); a launch Vertex AI cannot start runs on
    one replica, with what to do."""
    launch = launches.launch_of(distribution)
    if launch is None:
        return
    training.distribution = launch.kind
    count = training.instance_count
    if launch.shape == "workers_and_parameter_servers":
        training.parameter_servers = count
    if not launch.supported:
        training.instance_count = 1
        notes.append(
            f"distribution {launch.kind} ({count} instance(s) on SageMaker): " + launch.describe()
        )
        return
    pools = f"chief + {count - 1} worker(s)"
    if training.parameter_servers:
        pools += f" + {training.parameter_servers} parameter server(s)"
    notes.append(f"distribution {launch.kind}: {pools} on Vertex AI; {launch.describe()}")


def _distribution_from_code(
    training: TrainingPlan, entry: EntryPoint, scan: ProjectScan, notes: list[str]
) -> None:
    """No launcher says how SageMaker started the job: the trainer's code may (``import
    horovod`` was started by mpirun, ``init_process_group`` by a PyTorch launch). The plan
    records that launch so the job and the notes say what Vertex AI does for it; the replica
    count stays what the launcher (or nothing) said."""
    root = Path(scan.root)
    for script in (entry, *_helpers_of(entry, scan)):
        found = launches.launch_in_code(_read(root / script.path))
        if found is None:
            continue
        launch, evidence = found
        training.distribution = launch.kind
        if not launch.supported:
            training.instance_count = 1
        replicas = "" if not launch.supported else "; training.instance_count sets the replicas"
        notes.append(
            f"distribution {launch.kind} (from {script.path}: `{evidence}`; no launcher "
            f"says how SageMaker started it): {launch.describe()}{replicas}"
        )
        return


def _machine(training: TrainingPlan, notes: list[str]) -> None:
    """Map the SageMaker instance type to a Vertex machine (scale tier CUSTOM)."""
    if not training.sagemaker_instance_type:
        notes.append("no static instance type; using scale tier BASIC")
        return
    try:
        spec = machines.resolve_instance_type(training.sagemaker_instance_type)
    except machines.MachineError as exc:
        notes.append(f"{exc}; using scale tier BASIC until you choose")
        return
    training.scale_tier = machines.CUSTOM
    training.machine_type = spec.machine_type
    training.accelerator_type = spec.accelerator_type
    training.accelerator_count = spec.accelerator_count
    if spec.note:
        notes.append(f"{training.sagemaker_instance_type}: {spec.note}")


def _containers(training: TrainingPlan, model: ModelPlan, notes: list[str]) -> None:
    if not training.framework:
        notes.append("no framework (generic Estimator): set the containers in liftshift.toml")
        return
    gpu = training.accelerator_count > 0
    try:
        train_image = containers.training_container(
            training.framework,
            training.framework_version,
            gpu=gpu,
            py_version=training.py_version or None,
        )
        predict_image = containers.prediction_container(
            training.framework, training.framework_version, gpu=False
        )
    except ValueError as exc:  # NoPrebuiltContainer, or a version we cannot read
        notes.append(str(exc))
        return
    training.training_container = train_image.uri
    model.prediction_container = predict_image.uri
    for choice in (train_image, predict_image):
        if choice.note:
            notes.append(choice.note)


def s3_to_gs(uri: str) -> str:
    """The default destination rule: same bucket name, same key (``s3://b/k`` → ``gs://b/k``)."""
    return "gs://" + uri.removeprefix("s3://") if uri.startswith("s3://") else ""


def _channel(channel: Channel, entry: EntryPoint | None, root: Path, notes: list[str]) -> Any:
    source = channel.uri if isinstance(channel.uri, str) else ""
    if not source:
        notes.append(f"channel {channel.name!r} has no static S3 URI; set data.channels source")
    return ChannelPlan(
        name=channel.name,
        source=source,
        destination=s3_to_gs(source),
        argument=channel_argument(entry, channel.name),
        sample_data=sample_data(root, entry, channel.name, source),
    )


def channel_argument(entry: EntryPoint | None, channel: str) -> str:
    """The trainer flag whose default reads ``SM_CHANNEL_<NAME>`` (``--train``)."""
    if entry is None:
        return ""
    variable = f"SM_CHANNEL_{channel.upper()}"
    pattern = re.compile(rf"\b{re.escape(variable)}\b")
    for argument in entry.arguments:
        if argument.default_source and pattern.search(argument.default_source):
            long_flags = [flag for flag in argument.flags if flag.startswith("--")]
            return (long_flags or list(argument.flags))[0]
    migrated = migrated_flags(entry).get(channel.lower())
    if migrated:  # a migrated trainer reads the channel's folder from this flag
        return migrated
    # no SM_* default (a trainer that never read SM_*): its own flag named like the channel
    # (``--train``, ``--train-dir``, ``--train_dir``)
    wanted = {f"--{channel}{suffix}".lower() for suffix in ("", "-dir", "_dir")}
    for argument in entry.arguments:
        for flag in argument.flags:
            if flag.lower().replace("_", "-") in {name.replace("_", "-") for name in wanted}:
                return flag
    return ""


def sample_data(root: Path, entry: EntryPoint | None, channel: str, source: str) -> str:
    """A project folder (or the file the URI names inside it) holding data for ``channel``."""
    bases = [root]
    if entry is not None and posixpath.dirname(entry.path):
        bases.insert(0, root / posixpath.dirname(entry.path))
    filename = posixpath.basename(source.rstrip("/")) if source else ""
    for base in bases:
        for candidate in (base / "data" / channel, base / channel):
            if not candidate.is_dir():
                continue
            if filename and "." in filename and (candidate / filename).is_file():
                return (candidate / filename).relative_to(root).as_posix()
            return candidate.relative_to(root).as_posix()
    return ""


def _staging_bucket(data: DataPlan, output_path: Any) -> str:
    """``gs://<bucket>`` of the SageMaker output path, else of the first channel."""
    for uri in (output_path, *(channel.source for channel in data.channels)):
        if isinstance(uri, str) and uri.startswith("s3://"):
            bucket = uri.removeprefix("s3://").split("/", 1)[0]
            if bucket:
                return f"gs://{bucket}"
    return ""


def slug(text: str) -> str:
    """A Vertex-friendly display name: lower case, letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def keep_user_values(proposed: Any, existing: Any) -> Any:
    """``proposed`` with every value ``existing`` sets away from the default kept as is."""
    default = type(existing)()
    values = {}
    for item in dataclasses.fields(existing):
        mine = getattr(existing, item.name)
        if dataclasses.is_dataclass(mine):
            values[item.name] = keep_user_values(getattr(proposed, item.name), mine)
        elif mine != getattr(default, item.name):
            values[item.name] = mine
        else:
            values[item.name] = getattr(proposed, item.name)
    return type(existing)(**values)
