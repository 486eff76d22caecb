"""Recognising SageMaker reads and building their Vertex AI replacements (shared by LS002/LS003).

A "read" is any of the styles real scripts use (DESIGN.md section 2): ``os.environ["SM_X"]``,
``os.environ.get("SM_X", d)``, ``os.getenv``, ``environ[...]`` after ``from os import environ``,
a call to a one-line wrapper around those, and ``/opt/ml/...`` string literals. Replacements are
expressions over the helpers in :mod:`liftshift.codemods.runtime`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import libcst as cst

from liftshift.codemods.base import MigrationContext, string_value

OPT_ML = "/opt/ml"
MODEL_NAMES = frozenset({"SM_MODEL_DIR"})
NO_EQUIVALENT = {
    "SM_TRAINING_ENV": "{}",
    "SM_RESOURCE_CONFIG": "{}",
    "SM_INPUT_DATA_CONFIG": "{}",
    "SM_FRAMEWORK_PARAMS": "{}",
    "SM_USER_ARGS": "[]",
    "SM_USER_ENTRY_POINT": "",
    "SM_MODULE_DIR": "",
    "SM_MODULE_NAME": "",
    "SM_INPUT_DIR": "",
    "SM_INPUT_CONFIG_DIR": "",
    "SM_CURRENT_INSTANCE_TYPE": "",
    "SM_CURRENT_INSTANCE_GROUP": "",
    "SM_DISTRIBUTION_INSTANCE_GROUPS": "[]",
    "SM_NETWORK_INTERFACE_NAME": "",
    "SM_IS_HETERO": "false",
}


def _is_environ(node: cst.CSTNode) -> bool:
    """``os.environ`` or ``environ`` (plain isinstance checks: this runs on every node)."""
    if isinstance(node, cst.Name):
        return node.value == "environ"
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "environ"
        and isinstance(node.value, cst.Name)
        and node.value.value == "os"
    )


def _is_get(node: cst.CSTNode) -> bool:
    """``os.environ.get``, ``environ.get``, ``os.getenv`` or ``getenv``."""
    if isinstance(node, cst.Name):
        return node.value == "getenv"
    if not isinstance(node, cst.Attribute):
        return False
    if node.attr.value == "get":
        return _is_environ(node.value)
    return (
        node.attr.value == "getenv"
        and isinstance(node.value, cst.Name)
        and node.value.value == "os"
    )


@dataclass(frozen=True)
class EnvRead:
    """A recognised read: ``name`` is None when the name is built at run time."""

    name: str | None
    default: cst.BaseExpression | None
    style: str


def env_read(node: cst.CSTNode, wrappers: frozenset[str] = frozenset()) -> EnvRead | None:
    """If ``node`` reads an environment variable, say which (and its fallback)."""
    if isinstance(node, cst.Subscript) and _is_environ(node.value):
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = node.slice[0].slice.value
            return EnvRead(string_value(key), None, "environ_subscript")
        return None
    if isinstance(node, cst.Call) and node.args:
        is_get = _is_get(node.func)
        is_wrapper = isinstance(node.func, cst.Name) and node.func.value in wrappers
        if not (is_get or is_wrapper):
            return None
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        if not positional:
            return None
        default = positional[1].value if len(positional) > 1 else None
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "default":
                default = arg.value
        return EnvRead(
            string_value(positional[0].value), default, "helper" if is_wrapper else "environ_get"
        )
    return None


def is_sm_name(name: str | None) -> bool:
    return bool(name) and name.startswith("SM_")  # type: ignore[union-attr]


def code_of(node: cst.BaseExpression | None) -> str:
    return "None" if node is None else cst.Module(body=[]).code_for_node(node)


def to_path(code: str) -> str:
    return f"_liftshift_path({code})"


def in_folder(code: str) -> str:
    """A folder the script writes into: created when missing, as SageMaker's were."""
    return f"_liftshift_folder({code})"


def model_dir_code(default: str = '"model"') -> str:
    return in_folder(to_path(f'_liftshift_arg("--job-dir", "AIP_MODEL_DIR", {default})'))


def checkpoint_dir_code() -> str:
    return to_path('_liftshift_arg(None, "AIP_CHECKPOINT_DIR", "checkpoints")')


def channel_code(
    ctx: MigrationContext, channel: str, default: str = "None", *, required: bool = False
) -> str:
    """The channel's folder, read from its flag; the flag is recorded for the plan, since the
    backends must now pass it (the script may have read the variable without argparse). A
    ``required`` read (``os.environ[...]``) still fails when the flag is missing."""
    flag = ctx.channel_flag(channel)
    ctx.added_arguments.setdefault(channel.lower(), flag)
    if required:
        code = f"_liftshift_required_arg({json.dumps(flag)})"
    else:
        code = f"_liftshift_arg({json.dumps(flag)}, None, {default})"
    return to_path(code) if ctx.data_access == "fuse" else code


def replacement(
    name: str, ctx: MigrationContext, default: cst.BaseExpression | None, required: bool = False
) -> tuple[str | None, str | None]:
    """(replacement code, TODO message) for a read of ``name``; either may be None.
    ``required``: the read raised when the variable was unset (``os.environ[...]``)."""
    fallback = code_of(default)
    if name == "SM_MODEL_DIR":
        return model_dir_code('"model"' if default is None else fallback), None
    if name.startswith("SM_CHANNEL_"):
        channel = name[len("SM_CHANNEL_") :]
        return channel_code(ctx, channel, fallback, required=required and default is None), None
    if name == "SM_CHANNELS":
        names = [channel.name for channel in ctx.channels]
        return json.dumps(json.dumps(names)), None
    if name == "SM_HPS":
        flags = [ctx.channel_flag(channel.name) for channel in ctx.channels]
        flags += [flag for flag in ctx.added_arguments.values() if flag not in flags]
        return f"_liftshift_hyperparameters({', '.join(json.dumps(f) for f in flags)})", None
    if name.startswith("SM_HP_"):
        flag = ctx.hyperparameter_flag(name[len("SM_HP_") :])
        return f"_liftshift_arg({json.dumps(flag)}, None, {fallback})", None
    if name == "SM_OUTPUT_DATA_DIR":
        return in_folder(to_path('_liftshift_output_dir("data")')), None
    if name == "SM_OUTPUT_DIR":
        return in_folder(to_path("_liftshift_output_dir()")), None
    if name == "SM_NUM_GPUS":
        return "_liftshift_num_gpus()", None
    if name == "SM_NUM_CPUS":
        return "_liftshift_num_cpus()", None
    if name == "SM_HOSTS":
        return "_liftshift_hosts()", None
    if name == "SM_CURRENT_HOST":
        return "_liftshift_current_host()", None
    if name == "SM_LOG_LEVEL":
        return '"20"' if default is None else fallback, None
    value = NO_EQUIVALENT.get(name, "")
    safe = (
        f"os.environ.get({json.dumps(name)}, {json.dumps(value) if default is None else fallback})"
    )
    return safe, f"{name} has no Vertex AI equivalent; this read now falls back to a default"


def opt_ml_replacement(path: str, ctx: MigrationContext) -> tuple[str | None, str]:
    """(code, owner rule) for an ``/opt/ml/...`` literal; code None when it cannot be mapped."""
    rest = path[len(OPT_ML) :].strip("/")
    parts = rest.split("/") if rest else []

    def joined(base: str, tail: list[str]) -> str:
        if not tail:
            return base
        return f"os.path.join({base}, {', '.join(json.dumps(part) for part in tail)})"

    if parts[:1] == ["model"]:
        return joined(model_dir_code(), parts[1:]), "LS002"
    if parts[:1] == ["checkpoints"]:
        return joined(checkpoint_dir_code(), parts[1:]), "LS002"
    if parts[:2] == ["input", "data"] and len(parts) >= 3:
        return joined(channel_code(ctx, parts[2]), parts[3:]), "LS003"
    if parts[:2] == ["output", "data"]:
        return joined(in_folder(to_path('_liftshift_output_dir("data")')), parts[2:]), "LS003"
    if parts[:1] == ["output"]:
        return joined(in_folder(to_path("_liftshift_output_dir()")), parts[1:]), "LS003"
    return None, "LS003"


def simple_wrappers(module: cst.Module) -> frozenset[str]:
    """Module-level functions that only return an environment read of their first parameter
    (``def env(name, default=None): return os.environ.get(name, default)``)."""
    names = set()
    for statement in module.body:
        if not isinstance(statement, cst.FunctionDef) or not statement.params.params:
            continue
        body = statement.body.body
        docless = [
            s
            for s in body
            if not (
                isinstance(s, cst.SimpleStatementLine)
                and isinstance(s.body[0], cst.Expr)
                and isinstance(s.body[0].value, cst.SimpleString)
            )
        ]
        if len(docless) != 1 or not isinstance(docless[0], cst.SimpleStatementLine):
            continue
        small = docless[0].body[0]
        if not isinstance(small, cst.Return) or small.value is None:
            continue
        read = env_read(small.value)
        first = statement.params.params[0].name.value
        if read is None:
            continue
        key = small.value
        if isinstance(key, cst.Subscript):
            target = key.slice[0].slice
            target = target.value if isinstance(target, cst.Index) else None
        else:
            target = key.args[0].value  # type: ignore[attr-defined]
        if isinstance(target, cst.Name) and target.value == first:
            names.add(statement.name.value)
    return frozenset(names)
