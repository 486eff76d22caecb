"""A local stand-in for SageMaker's training toolkit: runs an *original* entry point as the
framework containers do, with no docker and no AWS account.

What the toolkit (``sagemaker_training.environment`` and ``mapping``) gives a script, rebuilt
under one temporary root instead of ``/opt/ml``:

- ``<root>/input/config/{hyperparameters,resourceconfig,inputdataconfig}.json``;
  ``hyperparameters.json`` holds each value JSON-encoded (as the SDK uploads them), with the
  ``sagemaker_*`` keys the framework estimators add;
- ``<root>/input/data/<channel>/`` with the channel's objects, ``<root>/model/``,
  ``<root>/output/data/``, ``<root>/output/intermediate/``;
- the ``SM_*`` variables of ``Environment.to_env_vars()``: names upper-cased (``SM_HP_N-ESTIMATORS``
  keeps its hyphen), strings as they are, anything else compact JSON with sorted keys;
- the command ``python <entry> <args>`` in the code folder, where the arguments are the
  hyperparameters without ``sagemaker_*`` keys, sorted, ``--key`` (``-k`` for a one-letter key)
  then the value rendered as ``str()`` (so ``True`` stays ``True`` and a float keeps Python's
  repr; a dict becomes ``k=v,k2=v2``) — the toolkit's ``to_cmd_args``, not JSON;
- the TensorFlow estimator's ``model_dir`` hyperparameter (``--model_dir``): on SageMaker an S3
  URI; here a local folder standing in for it (``<root>/s3-model_dir``), said in a note.

The code runs from a throwaway copy of the source folder in which only string literals that
contain ``/opt/ml`` are redirected to ``<root>``, so a hard-coded ``/opt/ml/output/data`` lands
under the root and this machine's ``/opt/ml`` is never touched (the seeding shim also refuses
any other Python-level write there).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftshift.foundation.plan import hyperparameter_flag

OPT_ML = "/opt/ml"
HOST = "algo-1"
GROUP = "homogeneousCluster"
LOG_LEVEL = 20
FRAMEWORK_MODULES = {
    "sklearn": "sagemaker_sklearn_container.training:main",
    "tensorflow": "sagemaker_tensorflow_container.training:main",
    "pytorch": "sagemaker_pytorch_container.training:main",
    "xgboost": "sagemaker_xgboost_container.training:main",
    "mxnet": "sagemaker_mxnet_container.training:main",
    "huggingface": "sagemaker_huggingface_pytorch_container.training:main",
}
_COPY_IGNORE = shutil.ignore_patterns(".git", ".liftshift", "__pycache__", "*.pyc")


@dataclass(frozen=True)
class ChannelData:
    """One input channel: its name and the local files SageMaker would download into it."""

    name: str
    files: tuple[tuple[str, Path], ...]
    """(path relative to the channel folder, local source file) pairs."""
    content_type: str = ""


@dataclass(frozen=True)
class TrainingJobInput:
    """What the launcher gave the estimator, as far as the toolkit sees it."""

    entry_point: str
    """The script, relative to ``source_dir`` (``train.py``)."""
    source_dir: Path
    hyperparameters: Mapping[str, Any]
    channels: tuple[ChannelData, ...]
    framework: str = ""
    instance_type: str = "ml.m5.xlarge"
    job_name: str = "liftshift-verify"
    region: str = "us-east-1"


@dataclass
class PreparedRun:
    """The command, environment and folders of one original run, ready to start."""

    root: Path
    code_dir: Path
    command_args: list[str]
    """The arguments after ``python <entry>``."""
    env: dict[str, str]
    model_dir: Path
    output_data_dir: Path
    channel_dirs: dict[str, str] = field(default_factory=dict)
    """Channel name → its folder under ``input/data``."""
    redirected: dict[str, int] = field(default_factory=dict)
    """``file → number of /opt/ml literals`` redirected in the throwaway copy."""
    notes: list[str] = field(default_factory=list)

    @property
    def entry(self) -> Path:
        """The entry point in the throwaway code folder (``command_args[0]``)."""
        return self.code_dir / self.command_args[0]


def to_cmd_args(hyperparameters: Mapping[str, Any]) -> list[str]:
    """The toolkit's ``mapping.to_cmd_args``: sorted keys, ``--key``/``-k``, ``str()`` values."""
    args: list[str] = []
    for key in sorted(hyperparameters):
        value = hyperparameters[key]
        args.append(hyperparameter_flag(str(key)))
        if isinstance(value, Mapping):
            args.append(",".join(f"{k}={v}" for k, v in sorted(value.items())))
        else:
            args.append("" if value is None else str(value))
    return args


def env_value(value: Any) -> str:
    """The toolkit's ``mapping.to_env_vars`` value: strings as-is, others compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def user_hyperparameters(hyperparameters: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hyperparameters.items() if not str(k).startswith("sagemaker_")}


def prepare(job: TrainingJobInput, root: Path, *, cpus: int | None = None) -> PreparedRun:
    """Lay out ``root`` like ``/opt/ml`` and return the run; ``root`` must be empty or absent."""
    root = Path(root).resolve()
    _check_literal_safe(root)
    root.mkdir(parents=True, exist_ok=True)
    dirs = {
        "input": root / "input",
        "config": root / "input" / "config",
        "data": root / "input" / "data",
        "model": root / "model",
        "output": root / "output",
        "output_data": root / "output" / "data",
        "intermediate": root / "output" / "intermediate",
        "checkpoints": root / "checkpoints",
        "code": root / "code",
    }
    for folder in dirs.values():
        if folder != dirs["code"]:
            folder.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    hyperparameters = dict(job.hyperparameters)
    if job.framework == "tensorflow" and "model_dir" not in hyperparameters:
        stand_in = root / "s3-model_dir"
        stand_in.mkdir(exist_ok=True)
        hyperparameters["model_dir"] = str(stand_in)
        notes.append(
            f"--model_dir is an S3 URI on SageMaker (TensorFlow); here a local folder: {stand_in}"
        )
    redirected = copy_code(job.source_dir, dirs["code"], root)
    channel_dirs: dict[str, str] = {}
    input_data_config: dict[str, dict[str, str]] = {}
    for channel in job.channels:
        folder = dirs["data"] / channel.name
        folder.mkdir(parents=True, exist_ok=True)
        for relative, source in channel.files:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        channel_dirs[channel.name] = str(folder)
        config = {
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
        if channel.content_type:
            config["ContentType"] = channel.content_type
        input_data_config[channel.name] = config
    entry = job.entry_point
    sagemaker_hps = {
        "sagemaker_program": entry,
        "sagemaker_submit_directory": str(dirs["code"]),
        "sagemaker_container_log_level": LOG_LEVEL,
        "sagemaker_job_name": job.job_name,
        "sagemaker_region": job.region,
    }
    uploaded = {**hyperparameters, **sagemaker_hps}
    _write_json(
        dirs["config"] / "hyperparameters.json", {k: json.dumps(v) for k, v in uploaded.items()}
    )
    resource_config = {
        "current_host": HOST,
        "current_instance_type": job.instance_type,
        "current_group_name": GROUP,
        "hosts": [HOST],
        "instance_groups": [
            {"instance_group_name": GROUP, "instance_type": job.instance_type, "hosts": [HOST]}
        ],
        "network_interface_name": "eth0",
    }
    _write_json(dirs["config"] / "resourceconfig.json", resource_config)
    _write_json(dirs["config"] / "inputdataconfig.json", input_data_config)
    hps = user_hyperparameters(hyperparameters)
    args = to_cmd_args(hps)
    properties: dict[str, Any] = {
        "additional_framework_parameters": {},
        "channel_input_dirs": channel_dirs,
        "current_host": HOST,
        "current_instance_group": GROUP,
        "current_instance_group_hosts": [HOST],
        "current_instance_type": job.instance_type,
        "distribution_hosts": [],
        "distribution_instance_groups": [],
        "framework_module": FRAMEWORK_MODULES.get(job.framework),
        "hosts": [HOST],
        "hyperparameters": hps,
        "input_config_dir": str(dirs["config"]),
        "input_data_config": input_data_config,
        "input_dir": str(dirs["input"]),
        "instance_groups": [GROUP],
        "instance_groups_dict": {
            GROUP: resource_config["instance_groups"][0],  # type: ignore[index]
        },
        "is_hetero": False,
        "is_master": True,
        "is_modelparallel_enabled": None,
        "is_smddpmprun_installed": False,
        "job_name": job.job_name,
        "log_level": LOG_LEVEL,
        "master_hostname": HOST,
        "model_dir": str(dirs["model"]),
        "module_dir": str(dirs["code"]),
        "module_name": entry.removesuffix(".py"),
        "network_interface_name": "eth0",
        "num_cpus": cpus if cpus is not None else (os.cpu_count() or 1),
        "num_gpus": 0,
        "num_neurons": 0,
        "output_data_dir": str(dirs["output_data"]),
        "output_dir": str(dirs["output"]),
        "output_intermediate_dir": str(dirs["intermediate"]),
        "resource_config": resource_config,
        "user_entry_point": entry,
    }
    variables: dict[str, Any] = {
        "hosts": [HOST],
        "network_interface_name": "eth0",
        "hps": hps,
        "user_entry_point": entry,
        "framework_params": {},
        "resource_config": resource_config,
        "input_data_config": input_data_config,
        "output_data_dir": str(dirs["output_data"]),
        "channels": sorted(channel_dirs),
        "current_host": HOST,
        "current_instance_type": job.instance_type,
        "current_instance_group": GROUP,
        "current_instance_group_hosts": [HOST],
        "instance_groups": [GROUP],
        "instance_groups_dict": properties["instance_groups_dict"],
        "distribution_instance_groups": [],
        "is_hetero": False,
        "module_name": properties["module_name"],
        "log_level": LOG_LEVEL,
        "framework_module": properties["framework_module"],
        "input_dir": str(dirs["input"]),
        "input_config_dir": str(dirs["config"]),
        "output_dir": str(dirs["output"]),
        "num_cpus": properties["num_cpus"],
        "num_gpus": 0,
        "model_dir": str(dirs["model"]),
        "module_dir": str(dirs["code"]),
        "training_env": properties,
        "user_args": args,
        "output_intermediate_dir": str(dirs["intermediate"]),
    }
    for name, path in channel_dirs.items():
        variables[f"channel_{name}"] = path
    for key, value in hps.items():
        variables[f"hp_{key}"] = value
    env = {f"SM_{str(key).upper()}": env_value(value) for key, value in variables.items()}
    env |= {
        "SAGEMAKER_BASE_DIR": str(root),
        "SAGEMAKER_PROGRAM": entry,
        "SAGEMAKER_REGION": job.region,
        "SAGEMAKER_JOB_NAME": job.job_name,
        "TRAINING_JOB_NAME": job.job_name,
        "CURRENT_HOST": HOST,
    }
    if redirected:
        shown = ", ".join(f"{path} ({count})" for path, count in sorted(redirected.items()))
        notes.append(f"ran the original from a copy with /opt/ml literals redirected: {shown}")
    return PreparedRun(
        root=root,
        code_dir=dirs["code"],
        command_args=[entry, *args],
        env=env,
        model_dir=dirs["model"],
        output_data_dir=dirs["output_data"],
        channel_dirs=channel_dirs,
        redirected=redirected,
        notes=notes,
    )


def copy_code(source_dir: Path, code_dir: Path, root: Path) -> dict[str, int]:
    """Copy the source folder to ``code_dir``; in ``.py`` files replace ``/opt/ml`` inside
    string literals (and f-string text) with ``root``. Returns the counts per file."""
    shutil.copytree(source_dir, code_dir, ignore=_COPY_IGNORE, dirs_exist_ok=True)
    redirected: dict[str, int] = {}
    for path in sorted(code_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if OPT_ML not in text:
            continue
        new, count = redirect_literals(text, str(root))
        if count:
            path.write_text(new, encoding="utf-8", errors="surrogateescape")
            redirected[path.relative_to(code_dir).as_posix()] = count
    return redirected


def redirect_literals(text: str, root: str) -> tuple[str, int]:
    """``text`` with ``/opt/ml`` replaced by ``root`` inside string tokens only (comments and
    code untouched). A file that does not tokenize is returned as it is."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text, 0
    kinds = {tokenize.STRING}
    if hasattr(tokenize, "FSTRING_MIDDLE"):
        kinds.add(tokenize.FSTRING_MIDDLE)
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans = []
    for token in tokens:
        if token.type in kinds and OPT_ML in token.string:
            begin = starts[token.start[0] - 1] + token.start[1]
            end = starts[token.end[0] - 1] + token.end[1]
            spans.append((begin, end))
    count = 0
    out = []
    last = 0
    for begin, end in spans:
        piece = text[begin:end]
        count += piece.count(OPT_ML)
        out.append(text[last:begin])
        out.append(piece.replace(OPT_ML, root))
        last = end
    out.append(text[last:])
    return "".join(out), count


def _check_literal_safe(root: Path) -> None:
    if any(ch in str(root) for ch in "\"'\\{}\n"):
        raise ValueError(
            f"{root}: the verify folder's path holds a quote, brace or backslash; /opt/ml "
            "literals cannot be redirected there (move the project to a plainer path)"
        )


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
