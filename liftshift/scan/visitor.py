"""One libcst pass over a module (or a notebook cell) collecting everything the scan reports.

A single visitor does launchers and entry-point facts together so each file is walked once: the
scan must cost little more than parsing (see ``bench/scan.py``). Import aliases are resolved
with a small table built while walking instead of ``QualifiedNameProvider``: scope analysis
would double the cost per file, and launchers and training scripts import at module level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from liftshift.foundation.secrets import REDACTED, is_secret_name
from liftshift.scan import tables
from liftshift.scan.launchers import LauncherBuilder
from liftshift.scan.positions import Locator
from liftshift.scan.project import (
    ArgumentSpec,
    ChannelFlag,
    CodeRef,
    EnvRead,
    Finding,
    Launcher,
    Location,
    ScriptFacts,
    Severity,
)
from liftshift.scan.values import Evaluator, dotted_name
from liftshift.scan.walker import Walker


def is_main_guard(node: cst.If) -> bool:
    """``if __name__ == "__main__":`` (either quote). Plain checks rather than a libcst
    matcher: importing ``libcst.matchers`` costs every CLI process ~0.2 CPU-s."""
    test = node.test
    if not (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and len(test.comparisons) == 1
    ):
        return False
    target = test.comparisons[0]
    return (
        isinstance(target.operator, cst.Equal)
        and isinstance(target.comparator, cst.SimpleString)
        and target.comparator.value in ('"__main__"', "'__main__'")
    )


@dataclass(frozen=True)
class ImportRef:
    """An absolute import (any depth): ``import model`` / ``from model import build``."""

    module: str
    line: int
    source: str


@dataclass
class ModuleFacts(ScriptFacts):
    """What one file (all cells of a notebook) contains; merged into the scan later."""

    launchers: list[Launcher] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    imports: list[ImportRef] = field(default_factory=list)
    relative_imports: list[str] = field(default_factory=list)
    """Modules imported relatively, as written without the names (``from .utils import x`` →
    ``.utils``; ``from . import utils`` → ``.utils``): how a migrated trainer reaches the
    other modules of its package."""
    imports_tensorflow: bool = False


SM_NAME = re.compile(r"(SM|SAGEMAKER)_[A-Z0-9_]+")


class SharedState:
    """State that spans the cells of a notebook: constants, import aliases, estimators."""

    def __init__(self) -> None:
        self.env: dict[str, Any] = {}
        self.aliases: dict[str, str] = {}
        self.imports_sagemaker = False
        self.estimators: dict[str, Launcher] = {}
        self.helper_functions: dict[str, int] = {}
        """Function name → index of the parameter used as an environment variable name."""
        self.helper_templates: dict[str, tuple[int, str, str]] = {}
        """Function name → (parameter index, prefix, suffix) for helpers that build the
        variable name from a parameter: ``os.environ[f"SM_CHANNEL_{name.upper()}"]``."""
        self.helper_calls: list[tuple[str, str, Location]] = []
        """(function, SM name, where) for calls like ``get_env("SM_MODEL_DIR")``."""
        self.sm_literals: list[tuple[str, Location]] = []
        """Every ``"SM_…"`` string literal, with where it is."""
        self.unresolved_env_read: Location | None = None
        """An ``os.environ`` read whose name is neither a literal nor a pattern (a lookup)."""


class ScanVisitor(Walker):
    """Walk with :meth:`scan`: it tells the locator where each top-level statement starts."""

    def __init__(
        self,
        module: cst.Module,
        text: str,
        path: str,
        facts: ModuleFacts,
        state: SharedState,
        *,
        cell: int | None = None,
    ) -> None:
        self.path = path
        self.facts = facts
        self.state = state
        self.cell = cell
        self.module = module
        self.locator = Locator(module, text)
        self.evaluator = Evaluator(module)
        self.evaluator.env = state.env
        self.depth = 0
        self.functions: list[tuple[str, list[str]]] = []
        self.context: dict[cst.CSTNode, str] = {}
        """Env-read node → the style its surroundings give it (argparse default, json)."""
        self.assigned_to: dict[cst.CSTNode, str] = {}
        self.constructed: dict[cst.CSTNode, Launcher] = {}
        self.launchers = LauncherBuilder(self.evaluator, facts.findings, self.location)

    # --- helpers -----------------------------------------------------------------------------

    def scan(self) -> None:
        for index, statement in enumerate(self.module.body):
            self.locator.enter_statement(index)
            self.walk(statement)

    def location(self, node: cst.CSTNode) -> Location:
        line, column = self.locator.locate(node)
        return Location(self.path, line, column)

    def qualified(self, node: cst.BaseExpression) -> str | None:
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.state.aliases.get(head)
        if base is None:
            return name
        return f"{base}.{rest}" if rest else base

    def snippet(self, node: cst.CSTNode) -> str:
        text = " ".join(self.evaluator.source(node).split())
        return text if len(text) <= 120 else text[:117] + "..."

    # --- module structure ----------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name) or ""
            if alias.asname and isinstance(alias.asname.name, cst.Name):
                self.state.aliases[alias.asname.name.value] = full
            else:
                head = full.partition(".")[0]
                self.state.aliases[head] = head
            self._note_import(full, node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative:
            self._relative_import(node)
            return
        if node.module is None:
            return
        module = dotted_name(node.module) or ""
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = dotted_name(alias.name) or ""
                local = name
                if alias.asname and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                self.state.aliases[local] = f"{module}.{name}"
        self._note_import(module, node)

    def _relative_import(self, node: cst.ImportFrom) -> None:
        dots = "." * len(node.relative)
        if node.module is not None:
            self.facts.relative_imports.append(dots + (dotted_name(node.module) or ""))
        elif not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self.facts.relative_imports.append(dots + (dotted_name(alias.name) or ""))

    def _note_import(self, module: str, node: cst.CSTNode) -> None:
        head = module.partition(".")[0]
        if head == "sagemaker":
            self.state.imports_sagemaker = True
        if head in {"tensorflow", "keras"}:
            self.facts.imports_tensorflow = True
        if module:
            self.facts.imports.append(
                ImportRef(module, self.location(node).line, self.snippet(node))
            )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = [param.name.value for param in node.params.params]
        if self.depth == 0:
            self._maybe_handler(node, params)
        self.functions.append((node.name.value, params))
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        """``get_env = lambda name: os.environ[name]`` is a helper like a ``def``."""
        params = [param.name.value for param in node.params.params]
        self.functions.append((self.assigned_to.get(node, "<lambda>"), params))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1

    def _maybe_handler(self, node: cst.FunctionDef, params: list[str]) -> None:
        name = node.name.value
        is_request_input_fn = (
            name == tables.REQUEST_INPUT_FN
            and len(params) == 2
            and any("type" in param or "request" in param for param in params)
        )
        if name in tables.INFERENCE_HANDLERS or is_request_input_fn:
            self.facts.inference_handlers.append(
                CodeRef(name, f"def {name}({', '.join(params)})", self.location(node))
            )

    def visit_If(self, node: cst.If) -> None:
        if self.depth == 0 and is_main_guard(node):
            self.facts.has_main_guard = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned_to[node.value] = target.target.value
        if self.depth == 0:
            for target in node.targets:
                self.evaluator.bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, cst.Name):
            self.assigned_to[node.value] = node.target.value
            if self.depth == 0:
                self.evaluator.bind(node.target, node.value)

    # --- strings -------------------------------------------------------------------------------

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if "SM_" in node.value and SM_NAME.fullmatch(node.value[1:-1]):
            self.state.sm_literals.append((node.value[1:-1], self.location(node)))
        if tables.OPT_ML not in node.value:
            return
        value = node.evaluated_value
        if isinstance(value, str) and value.startswith(tables.OPT_ML):
            self.facts.opt_ml_paths.append(CodeRef("opt_ml", value, self.location(node)))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if node.value.startswith(tables.OPT_ML):
            self.facts.opt_ml_paths.append(CodeRef("opt_ml", node.value, self.location(node)))

    # --- environment reads ---------------------------------------------------------------------

    def visit_Subscript(self, node: cst.Subscript) -> None:
        value = node.value
        if (
            len(node.slice) == 1
            and isinstance(value, cst.Attribute)
            and value.attr.value == tables.TOOLKIT_CHANNEL_DIRS
        ):
            self._toolkit_channel(node)
            return
        if self.qualified(node.value) not in tables.ENV_SUBSCRIPT or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            self._env_read(node, index.value, "environ_subscript")

    def _toolkit_channel(self, node: cst.Subscript) -> None:
        """``env.channel_input_dirs["train"]`` (the training toolkit's environment object) is
        ``SM_CHANNEL_TRAIN``."""
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            name = string_of(index.value)
            if name:
                read = EnvRead(
                    f"SM_CHANNEL_{name.upper()}", "channel_input_dirs", self.location(node)
                )
                self.facts.env_reads.append(read)

    def _env_read(self, node: cst.CSTNode, key: cst.BaseExpression, style: str) -> None:
        style = self.context.get(node, style)
        where = self.location(node)
        if isinstance(key, cst.Name) and self.functions and key.value in self.functions[-1][1]:
            function, params = self.functions[-1]
            self.state.helper_functions[function] = params.index(key.value)
            return
        value = self.evaluator.evaluate(key)
        if isinstance(value, str):
            if value.startswith(tables.SM_PREFIXES):
                self.facts.env_reads.append(EnvRead(value, style, where))
            return
        self._maybe_helper_template(key)
        pattern = self._dynamic_pattern(key)
        if pattern is None and self.state.unresolved_env_read is None:
            self.state.unresolved_env_read = where
        if pattern and pattern.startswith(tables.SM_PREFIXES):
            self.facts.env_reads.append(EnvRead(pattern, "dynamic", where))
            self.facts.findings.append(
                Finding(
                    "env-name-dynamic",
                    f"environment variable name built at run time ({pattern}); "
                    "check which channels or settings it reads",
                    Severity.WARNING,
                    where,
                )
            )

    def _maybe_helper_template(self, key: cst.BaseExpression) -> None:
        """``def channel(name): return os.environ[f"SM_CHANNEL_{name.upper()}"]``: each
        ``channel("train")`` is then a read of ``SM_CHANNEL_TRAIN``."""
        if not self.functions or not isinstance(key, cst.FormattedString):
            return
        function, params = self.functions[-1]
        expressions = [p for p in key.parts if isinstance(p, cst.FormattedStringExpression)]
        if len(expressions) != 1:
            return
        value = expressions[0].expression
        if (  # name.upper(): the variable names are upper case anyway
            isinstance(value, cst.Call)
            and not value.args
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value == "upper"
        ):
            value = value.func.value
        if not isinstance(value, cst.Name) or value.value not in params:
            return
        at = key.parts.index(expressions[0])
        prefix = "".join(p.value for p in key.parts[:at] if isinstance(p, cst.FormattedStringText))
        suffix = "".join(
            p.value for p in key.parts[at + 1 :] if isinstance(p, cst.FormattedStringText)
        )
        if prefix.startswith(tables.SM_PREFIXES):
            self.state.helper_templates[function] = (params.index(value.value), prefix, suffix)

    def _dynamic_pattern(self, key: cst.BaseExpression) -> str | None:
        if isinstance(key, cst.FormattedString):
            parts = []
            for part in key.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(part.value)
                else:
                    parts.append("{" + self.evaluator.source(part.expression) + "}")
            return "".join(parts)
        if isinstance(key, cst.BinaryOperation) and isinstance(key.operator, cst.Add):
            left = self.evaluator.evaluate(key.left)
            if isinstance(left, str):
                return left + "{" + self.evaluator.source(key.right) + "}"
            nested = self._dynamic_pattern(key.left)
            if nested:
                return nested + "{" + self.evaluator.source(key.right) + "}"
        return None

    # --- calls ---------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        name = self.qualified(node.func)
        if name is None:
            self._method_call(node)
            return
        first = node.args[0].value if node.args and node.args[0].keyword is None else None
        if name in tables.ENV_GET or name in tables.ENV_GETENV:
            if first is not None:
                style = "getenv" if name in tables.ENV_GETENV else "environ_get"
                self._env_read(node, first, style)
            return
        if name in tables.JSON_LOADS and first is not None:
            self.context[first] = self.context.get(node, "json_loads")
            return
        if name in tables.SAGEMAKER_TRAINING_ENV:
            self.facts.env_reads.append(
                EnvRead(f"{name.rsplit('.', 1)[-1]}()", "sagemaker_training", self.location(node))
            )
            return
        if name.startswith("_liftshift_"):
            self._migrated_channel_read(node, name)
        last = name.rsplit(".", 1)[-1]
        if last in tables.ESTIMATORS and self._is_sagemaker(name):
            self._estimator(node, name, last)
            return
        if name in tables.SAVE_FUNCTIONS:
            self.facts.model_saves.append(CodeRef(name, self.snippet(node), self.location(node)))
        elif name in tables.READ_FUNCTIONS or name.startswith(tables.READ_PREFIXES):
            self._data_read(node, name)
        else:
            self._method_call(node)
        if first is not None and isinstance(node.func, cst.Name | cst.Attribute):
            self._maybe_helper_call(node, last, first)

    def _migrated_channel_read(self, node: cst.Call, name: str) -> None:
        """A channel read as the codemods write it (see ``tables.MIGRATED_*``)."""
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        first = positional[0] if positional else None
        if name in tables.MIGRATED_CHANNEL_READS and first is not None:
            self._channel_flag(string_of(first), None, node)
        elif name == tables.MIGRATED_PATH and isinstance(first, cst.Call):
            if dotted_name(first.func) == tables.MIGRATED_FLAG_READ and first.args:
                self._channel_flag(string_of(first.args[0].value), None, node)
        elif name in tables.MIGRATED_CHANNEL_FLAG_LISTS:
            for value in positional:
                self._channel_flag(string_of(value), None, node)
        if name in tables.MIGRATED_CHANNEL_TABLES and first is not None:
            table = first
            if (  # _liftshift_arg({"train": "--train"}.get(str(name).lower()))
                isinstance(first, cst.Call)
                and isinstance(first.func, cst.Attribute)
                and first.func.attr.value == "get"
            ):
                table = first.func.value
            if isinstance(table, cst.Dict):
                for element in table.elements:
                    if isinstance(element, cst.DictElement):
                        self._channel_flag(string_of(element.value), string_of(element.key), node)

    def _channel_flag(self, flag: str | None, channel: str | None, node: cst.CSTNode) -> None:
        if not flag or not flag.startswith("--") or flag == tables.MODEL_DIR_FLAG:
            return
        name = channel or re.sub(r"[-_]dir$", "", flag[2:]).replace("-", "_")
        self.facts.channel_flags.append(ChannelFlag(name, flag, self.location(node)))

    def _is_sagemaker(self, name: str) -> bool:
        if name.startswith("sagemaker."):
            return True
        return "." not in name and self.state.imports_sagemaker

    def _estimator(self, node: cst.Call, name: str, last: str) -> None:
        launcher = self.launchers.from_constructor(node, name, last)
        launcher.notebook_cell = self.cell
        self.facts.launchers.append(launcher)
        self.constructed[node] = launcher
        variable = self.assigned_to.get(node)
        if variable:
            self.state.estimators[variable] = launcher

    def _data_read(self, node: cst.Call, name: str) -> None:
        where = self.location(node)
        self.facts.data_reads.append(CodeRef(name, self.snippet(node), where))
        if name in tables.PIPE_MODE_READERS:
            self.facts.findings.append(
                Finding(
                    "pipe-mode",
                    "Pipe mode dataset (PipeModeDataset) has no Vertex AI equivalent; "
                    "read the channel's files instead",
                    Severity.ERROR,
                    where,
                )
            )

    def _method_call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method == "add_argument":
            self._argument(node)
            return
        target = func.value
        if method in tables.FIT_METHODS or method == "set_hyperparameters":
            self.location(node)  # in source order now; used in leave_Call
            return  # handled in leave_Call, once a chained constructor has been seen
        base = dotted_name(target)
        if method in tables.SAVE_METHODS and (base or "").partition(".")[0] not in (
            tables.NOT_MODEL_SAVERS
        ):
            head = base.rsplit(".", 1)[-1] if base else "model"
            self.facts.model_saves.append(
                CodeRef(f"{head}.{method}", self.snippet(node), self.location(node))
            )

    def leave_Call(self, original_node: cst.Call) -> None:
        func = original_node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method not in tables.FIT_METHODS and method != "set_hyperparameters":
            return
        target = func.value
        launcher = None
        if isinstance(target, cst.Name):
            launcher = self.state.estimators.get(target.value)
        elif isinstance(target, cst.Call):
            launcher = self.constructed.get(target)
        if launcher is None:
            return
        if method == "set_hyperparameters":
            self.launchers.add_hyperparameters(launcher, original_node)
        else:
            self.launchers.add_inputs(launcher, original_node)

    def _argument(self, node: cst.Call) -> None:
        flags: list[str] = []
        keywords: dict[str, cst.BaseExpression] = {}
        for arg in node.args:
            if arg.keyword is not None:
                keywords[arg.keyword.value] = arg.value
            elif isinstance(arg.value, cst.SimpleString) and isinstance(
                arg.value.evaluated_value, str
            ):
                flags.append(arg.value.evaluated_value)
        if not flags:
            return
        default = keywords.get("default")
        if default is not None:
            self._mark_default(default)
        dest = keywords.get("dest")
        dest_value = dest.evaluated_value if isinstance(dest, cst.SimpleString) else None
        arg_type = keywords.get("type")
        default_source = self.snippet(default) if default is not None else None
        names = [*flags, dest_value if isinstance(dest_value, str) else ""]
        if isinstance(default, cst.SimpleString) and any(is_secret_name(n) for n in names):
            default_source = REDACTED  # a secret written into the script stays in the script
        self.facts.arguments.append(
            ArgumentSpec(
                flags=tuple(flags),
                dest=dest_value if isinstance(dest_value, str) else None,
                type=self.evaluator.source(arg_type) if arg_type is not None else None,
                default_source=default_source,
                location=self.location(node),
            )
        )
        if arg_type is not None and dotted_name(arg_type) == tables.MIGRATED_PATH:
            long_flags = [flag for flag in flags if flag.startswith("--")]
            if long_flags and tables.MODEL_DIR_FLAG not in flags:
                self._channel_flag(long_flags[0], None, node)

    def _mark_default(self, node: cst.BaseExpression) -> None:
        """Env reads inside ``default=`` count as argparse defaults, also when wrapped:
        ``int(os.environ.get(...))``, ``json.loads(os.environ[...])``, ``environ.get(...) or x``.
        """
        while True:
            self.context[node] = "argparse_default"
            if isinstance(node, cst.BooleanOperation):
                self._mark_default(node.right)
                node = node.left
            elif isinstance(node, cst.Call) and node.args and node.args[0].keyword is None:
                name = self.qualified(node.func)
                if name in tables.ENV_GET or name in tables.ENV_GETENV:
                    return
                node = node.args[0].value
            else:
                return

    def _maybe_helper_call(self, node: cst.Call, function: str, first: cst.BaseExpression) -> None:
        if isinstance(first, cst.SimpleString):
            value = first.evaluated_value
            if isinstance(value, str) and value.startswith(tables.SM_PREFIXES):
                self.state.helper_calls.append((function, value, self.location(node)))
            template = self.state.helper_templates.get(function)
            if isinstance(value, str) and template is not None and template[0] == 0:
                _, prefix, suffix = template
                name = f"{prefix}{value.upper()}{suffix}"
                self.facts.env_reads.append(EnvRead(name, "helper", self.location(node)))

    def finish(self) -> None:
        """Turn calls of helper functions that wrap ``os.environ`` into env reads."""
        for function, name, where in self.state.helper_calls:
            if function in self.state.helper_functions:
                self.facts.env_reads.append(EnvRead(name, "helper", where))
        self.state.helper_calls.clear()
        lookup = self.state.unresolved_env_read
        known = {read.name for read in self.facts.env_reads}
        table = [(name, where) for name, where in self.state.sm_literals if name not in known]
        if lookup is not None and table:
            # os.environ[names[kind]] with names = {"model": "SM_MODEL_DIR", …}
            for name, where in table:
                self.facts.env_reads.append(EnvRead(name, "lookup", where))
            shown = ", ".join(dict.fromkeys(name for name, _ in table))
            self.facts.findings.append(
                Finding(
                    "env-name-lookup",
                    f"environment variable name looked up at run time; the file names {shown}: "
                    "check which of them each call reads",
                    Severity.WARNING,
                    lookup,
                )
            )
        self.state.sm_literals.clear()
        self.state.unresolved_env_read = None


def string_of(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal, else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
