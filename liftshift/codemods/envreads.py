"""Recognising SageMaker reads and building their Vertex AI replacements (shared by LS002/LS003).

A "read" is any of the styles real scripts use (DESIGN.md section 2): ``os.environ["SM_X"]``,
``os.environ.get("SM_X", d)``, ``os.getenv``, ``environ[...]`` after ``from os import environ``,
a call to a one-line wrapper around those, and ``/opt/ml/...`` string literals. Replacements are
expressions over the helpers in :mod:`liftshift.codemods.runtime`.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

import libcst as cst

from liftshift.codemods.base import FileContext, MigrationContext, string_value
from liftshift.codemods.codegen import bare_code

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


@dataclass(frozen=True)
class EnvNames:
    """The names a file reaches the environment by: ``os`` (``import os as _os``), ``environ``
    and ``getenv`` (``from os import environ as env, getenv as ge``)."""

    os: frozenset[str] = frozenset({"os"})
    environ: frozenset[str] = frozenset({"environ"})
    getenv: frozenset[str] = frozenset({"getenv"})


DEFAULT_NAMES = EnvNames()
OS_ALIAS = re.compile(r"^[ \t]*import[ \t]+os[ \t]+as[ \t]+(\w+)", re.MULTILINE)
FROM_OS = re.compile(r"^[ \t]*from[ \t]+os[ \t]+import[ \t]+\(?([\w \t,\n]+?)\)?[ \t]*$", re.M)


@functools.lru_cache(maxsize=8)
def env_names(source: str) -> EnvNames:
    """Read from the text (no walk): the aliases this file uses, if any. Cached (the answer is
    immutable): LS002 and LS003 ask it of the same text."""
    if " as " not in source:
        return DEFAULT_NAMES
    names: dict[str, set[str]] = {"os": {"os"}, "environ": {"environ"}, "getenv": {"getenv"}}
    names["os"].update(OS_ALIAS.findall(source))
    for group in FROM_OS.findall(source):
        for item in group.replace("\n", " ").split(","):
            parts = item.split()
            if len(parts) == 3 and parts[1] == "as" and parts[0] in ("environ", "getenv"):
                names[parts[0]].add(parts[2])
    if names == {"os": {"os"}, "environ": {"environ"}, "getenv": {"getenv"}}:
        return DEFAULT_NAMES
    return EnvNames(*(frozenset(names[key]) for key in ("os", "environ", "getenv")))


def _is_environ(node: cst.CSTNode, names: EnvNames = DEFAULT_NAMES) -> bool:
    """``os.environ`` or ``environ`` (plain isinstance checks: this runs on every node)."""
    if isinstance(node, cst.Name):
        return node.value in names.environ
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "environ"
        and isinstance(node.value, cst.Name)
        and node.value.value in names.os
    )


def _is_get(node: cst.CSTNode, names: EnvNames = DEFAULT_NAMES) -> bool:
    """``os.environ.get``, ``environ.get``, ``os.getenv`` or ``getenv``."""
    if isinstance(node, cst.Name):
        return node.value in names.getenv
    if not isinstance(node, cst.Attribute):
        return False
    if node.attr.value == "get":
        return _is_environ(node.value, names)
    return (
        node.attr.value == "getenv"
        and isinstance(node.value, cst.Name)
        and node.value.value in names.os
    )


def is_environ(node: cst.CSTNode, names: EnvNames = DEFAULT_NAMES) -> bool:
    """``os.environ`` under any of the file's names for it (for ``"SM_X" in os.environ``)."""
    return _is_environ(node, names)


@dataclass(frozen=True)
class EnvRead:
    """A recognised read: ``name`` is None when the name is built at run time."""

    name: str | None
    default: cst.BaseExpression | None
    style: str


@dataclass(frozen=True)
class Template:
    """How a wrapper builds the variable's name from its argument: ``prefix + arg + suffix``
    (``arg`` upper-cased when the wrapper does so)."""

    prefix: str = ""
    suffix: str = ""
    upper: bool = False
    table: tuple[tuple[str, str], ...] = ()
    """Argument → variable, for a wrapper that looks its name up in a dict literal
    (``names = {"train": "SM_CHANNEL_TRAIN"}; return os.environ.get(names[kind])``)."""

    def name(self, argument: str) -> str | None:
        if self.table:
            return dict(self.table).get(argument)
        return self.prefix + (argument.upper() if self.upper else argument) + self.suffix


PLAIN = Template()
Wrappers = dict[str, Template]


def env_read(
    node: cst.CSTNode,
    wrappers: Wrappers | frozenset[str] = frozenset(),
    names: EnvNames = DEFAULT_NAMES,
) -> EnvRead | None:
    """If ``node`` reads an environment variable, say which (and its fallback)."""
    if isinstance(node, cst.Subscript) and _is_environ(node.value, names):
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = node.slice[0].slice.value
            return EnvRead(string_value(key), None, "environ_subscript")
        return None
    if isinstance(node, cst.Call) and node.args:
        is_get = _is_get(node.func, names)
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
        name = string_value(positional[0].value)
        if is_wrapper and name is not None and isinstance(wrappers, dict):
            name = wrappers[node.func.value].name(name)  # type: ignore[union-attr]
        return EnvRead(name, default, "helper" if is_wrapper else "environ_get")
    return None


def name_template(
    key: cst.BaseExpression, parameter: str | None = None
) -> tuple[Template, cst.BaseExpression] | None:
    """A variable name built as literal text around one expression (``"SM_CHANNEL_" +
    x.upper()``, ``f"SM_CHANNEL_{x}"``): its template and that expression. With
    ``parameter``, the expression must be that name (a wrapper's parameter)."""
    parts: list[object] = []
    if isinstance(key, cst.FormattedString):
        for part in key.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            elif part.format_spec is None and part.conversion is None:  # type: ignore[union-attr]
                parts.append(part.expression)  # type: ignore[union-attr]
            else:
                return None
    else:
        pending = [key]
        while pending:
            node = pending.pop(0)
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
                pending[:0] = [node.left, node.right]
                continue
            text = string_value(node)
            parts.append(text if text is not None else node)
    expressions = [part for part in parts if not isinstance(part, str)]
    if len(expressions) != 1:
        return None
    at = parts.index(expressions[0])
    expression = expressions[0]
    upper = False
    if (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Attribute)
        and expression.func.attr.value == "upper"
        and not expression.args
    ):
        expression, upper = expression.func.value, True
    if parameter is not None and not (
        isinstance(expression, cst.Name) and expression.value == parameter
    ):
        return None
    prefix = "".join(part for part in parts[:at] if isinstance(part, str))
    suffix = "".join(part for part in parts[at + 1 :] if isinstance(part, str))
    return Template(prefix, suffix, upper), expression  # type: ignore[return-value]


def is_sm_name(name: str | None) -> bool:
    return bool(name) and name.startswith("SM_")  # type: ignore[union-attr]


def code_of(node: cst.BaseExpression | None) -> str:
    return "None" if node is None else bare_code(node)


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


def guard_code(name: str, ctx: MigrationContext, *, negated: bool) -> str:
    """What ``"SM_X" in os.environ`` tests on Vertex AI: the channel's or model folder's flag
    was given; for the other variables (used to ask "am I in a training job?"), that the job
    runs on the platform (CLOUD_ML_JOB_ID, which Vertex AI and the local target set)."""
    test = "is None" if negated else "is not None"
    if name.startswith("SM_CHANNEL_"):
        channel = name[len("SM_CHANNEL_") :]
        flag = ctx.channel_flag(channel)
        ctx.added_arguments.setdefault(channel.lower(), flag)
        return f"_liftshift_arg({json.dumps(flag)}) {test}"
    if name == "SM_MODEL_DIR":
        return f'_liftshift_arg("--job-dir", "AIP_MODEL_DIR") {test}'
    if name.startswith("SM_HP_"):
        flag = ctx.hyperparameter_flag(name[len("SM_HP_") :])
        return f"_liftshift_arg({json.dumps(flag)}) {test}"
    return f'"CLOUD_ML_JOB_ID" {"not in" if negated else "in"} os.environ'


def built_read(key: cst.BaseExpression, ctx: MigrationContext) -> str | None:
    """A read whose name is built at run time (``f"SM_CHANNEL_{name.upper()}"``): the flag
    of that channel (or hyperparameter), looked up when the script runs."""
    built = name_template(key)
    if built is None or built[0].suffix:
        return None
    template, expression = built
    code = code_of(expression)
    if template.prefix == "SM_CHANNEL_":
        if not ctx.channels:
            return None  # no channel known to look up: the TODO stays
        flags = {channel.name.lower(): ctx.channel_flag(channel.name) for channel in ctx.channels}
        for channel, flag in flags.items():  # the backends must now pass each (plan argument)
            ctx.added_arguments.setdefault(channel, flag)
        value = f"_liftshift_arg({json.dumps(flags)}.get(str({code}).lower()))"
        return to_path(value) if ctx.data_access == "fuse" else value
    if template.prefix == "SM_HP_":
        key = f"str({code}).lower()"
        # a one-letter key is passed as -k, like SageMaker does
        return f'_liftshift_arg(("--" if len({key}) > 1 else "-") + {key})'
    return None


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
    if parts[:2] == ["input", "config"] and all(p in CONFIG_FILES for p in parts[2:3]):
        flags = {channel.name: ctx.channel_flag(channel.name) for channel in ctx.channels}
        return joined(f"_liftshift_config_dir({json.dumps(flags)})", parts[2:]), "LS003"
    return None, "LS003"


CONFIG_FILES = frozenset({"hyperparameters.json", "resourceconfig.json", "inputdataconfig.json"})


def simple_wrappers(module: cst.Module) -> Wrappers:
    """Module-level functions that only return an environment read of their first parameter
    (``def env(name, default=None): return os.environ.get(name, default)``), or of a name built
    from it (``return os.environ["SM_CHANNEL_" + name.upper()]``): name → how they build it."""
    found: Wrappers = {}
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
        table = _name_table(docless[0]) if len(docless) == 2 else None
        if table is not None:
            docless = docless[1:]
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
        if table is not None:
            if _looks_up(target, table[0], first):
                found[statement.name.value] = Template(table=table[1])
        elif isinstance(target, cst.Name) and target.value == first:
            found[statement.name.value] = PLAIN
        elif target is not None:
            built = name_template(target, first)
            if built is not None and built[0].prefix.startswith("SM_"):
                found[statement.name.value] = built[0]
    return found


def _name_table(
    statement: cst.BaseStatement,
) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """``names = {"model": "SM_MODEL_DIR", "train": "SM_CHANNEL_TRAIN"}``: the dict's name and
    its pairs, when every key is a string and every value a SageMaker variable's name."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    if not isinstance(target, cst.Name) or not isinstance(assign.value, cst.Dict):
        return None
    pairs = []
    for element in assign.value.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key, value = string_value(element.key), string_value(element.value)
        if key is None or not is_sm_name(value):
            return None
        pairs.append((key, value))
    return (target.value, tuple(pairs)) if pairs else None


def _looks_up(node: cst.BaseExpression | None, table: str, parameter: str) -> bool:
    """``names[kind]``: the table subscripted with the wrapper's parameter."""
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
        return False
    index = node.slice[0].slice
    return (
        isinstance(node.value, cst.Name)
        and node.value.value == table
        and isinstance(index, cst.Index)
        and isinstance(index.value, cst.Name)
        and index.value.value == parameter
    )


def imported_wrappers(module: cst.Module, project: dict[str, Wrappers]) -> Wrappers:
    """Wrappers this module imports from another project module (``from utils.env import
    sm_path``): ``project`` maps each trainer module's dotted path to its wrappers."""
    found: Wrappers = {}
    if not project:
        return found
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            if small.module is None:
                continue
            dotted = bare_code(small.module)
            owners = [
                wrappers
                for path, wrappers in project.items()
                if path == dotted or path.endswith("." + dotted)
            ]
            if len(owners) != 1:
                continue
            for alias in small.names:
                name = bare_code(alias.name)
                if name in owners[0]:
                    local = alias.asname.name if alias.asname is not None else alias.name
                    found[local.value] = owners[0][name]  # type: ignore[union-attr]
    return found


def names_project_wrapper(fctx: FileContext) -> bool:
    """The file names a helper another trainer module defines (``from utils.env import
    sm_path``): its reads must be rewritten although the file mentions no ``SM_*`` itself."""
    if fctx.source is None:
        return True
    names = {name for wrappers in fctx.migration.project_wrappers.values() for name in wrappers}
    return any(name in fctx.source and re.search(rf"\b{name}\b", fctx.source) for name in names)


def wrappers_for(module: cst.Module, project: dict[str, Wrappers]) -> Wrappers:
    return {**imported_wrappers(module, project), **simple_wrappers(module)}
