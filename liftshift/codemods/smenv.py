"""``sagemaker_training.environment.Environment()`` and ``sagemaker_containers.training_env()``
(LS003's share of issue 11 item 2).

Scripts that ask the toolkit for their environment (``env.model_dir``,
``env.channel_input_dirs["train"]``, ``env.hyperparameters``, ``env.num_gpus``, ``env.hosts``)
cannot import it on Vertex AI. Each attribute becomes the expression LS002/LS003 use for the
same variable (over the runtime helpers); when every use of the object is converted, the object
and its import go too, otherwise the import keeps its TODO. Runs on the module before the rules'
walk, and only for a file whose text creates such an object.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import libcst as cst

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import MigrationContext, string_value
from liftshift.codemods.cstutil import dotted_name, parse_expr
from liftshift.codemods.passes import fast_visit
from liftshift.codemods.smimports import NameUses, bound_names, drop_lines, import_root

CREATES_ENV = re.compile(r"\bEnvironment\(\s*\)|\btraining_env\(\s*\)")
FACTORIES = ("Environment", "training_env")
TOOLKITS = frozenset({"sagemaker_training", "sagemaker_containers"})
HELPER_CALL = re.compile(r"\b_liftshift_\w+")


def _creates_env(value: cst.BaseExpression) -> bool:
    return (
        isinstance(value, cst.Call)
        and not value.args
        and dotted_name(value.func).rsplit(".", 1)[-1] in FACTORIES
    )


def attribute_code(attr: str, ctx: MigrationContext) -> str | None:
    """The Vertex AI expression for ``env.<attr>``; None when there is none."""
    if attr == "model_dir":
        return ev.model_dir_code()
    if attr == "channel_input_dirs":
        pairs = ", ".join(
            f"{json.dumps(c.name)}: {ev.channel_code(ctx, c.name)}" for c in ctx.channels
        )
        return "{" + pairs + "}"
    if attr == "hyperparameters":
        return f"json.loads({ev.replacement('SM_HPS', ctx, None)[0]})"
    if attr == "num_gpus":
        return "int(_liftshift_num_gpus())"
    if attr == "num_cpus":
        return "int(_liftshift_num_cpus())"
    if attr == "hosts":
        return "json.loads(_liftshift_hosts())"
    if attr == "current_host":
        return "_liftshift_current_host()"
    if attr == "output_data_dir":
        return ev.replacement("SM_OUTPUT_DATA_DIR", ctx, None)[0]
    if attr == "output_dir":
        return ev.replacement("SM_OUTPUT_DIR", ctx, None)[0]
    if attr == "log_level":
        return "20"
    return None


@dataclass
class EnvRewrite:
    """What the rewrite needs in the file afterwards."""

    helpers: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)


class _Objects(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if _creates_env(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.names.add(target.target.value)


class _Rewrite(cst.CSTTransformer):
    def __init__(self, names: set[str], ctx: MigrationContext, quote: str) -> None:
        super().__init__()
        self.names = names
        self.ctx = ctx
        self.quote = quote
        self.out = EnvRewrite()
        self.kept = False
        """Some use of the object could not be converted: it (and its import) stay."""

    def _parse(self, code: str) -> cst.BaseExpression:
        self.out.helpers.update(HELPER_CALL.findall(code))
        if "json." in code:
            self.out.imports.add("json")
        if "os." in code:
            self.out.imports.add("os")
        return parse_expr(code, self.quote)

    def _owner(self, node: cst.CSTNode) -> str | None:
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value in self.names
        ):
            return node.attr.value
        return None

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        # env.channel_input_dirs["train"]: that channel's folder
        if self._owner(original_node.value) != "channel_input_dirs":
            return updated_node
        element = original_node.slice[0].slice if len(original_node.slice) == 1 else None
        channel = string_value(element.value) if isinstance(element, cst.Index) else None
        if channel is None:
            return updated_node
        return self._parse(ev.channel_code(self.ctx, channel))

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        attr = self._owner(original_node)
        if attr is None:
            return updated_node
        code = attribute_code(attr, self.ctx)
        if code is None:
            self.kept = True
            return updated_node
        return self._parse(code)


class _BareUses(cst.CSTVisitor):
    """Uses of the object other than ``env.<attr>`` and its own assignment."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.found = False

    def visit_Assign(self, node: cst.Assign) -> bool:
        return not _creates_env(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return not (isinstance(node.value, cst.Name) and node.value.value in self.names)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True


def rewrite_environment(
    module: cst.Module, source: str, ctx: MigrationContext, quote: str
) -> tuple[cst.Module, EnvRewrite]:
    """``module`` with the toolkit object's attributes converted (and the object and its
    import removed when nothing else uses them); ``module`` itself when there is none."""
    # a CREATES_ENV match holds a factory's name and "(": `in` rules most files out first
    if not any(f"{name}(" in source for name in FACTORIES) or CREATES_ENV.search(source) is None:
        return module, EnvRewrite()
    objects = _Objects()
    fast_visit(module, objects)
    if not objects.names:
        return module, EnvRewrite()
    bare = _BareUses(objects.names)
    fast_visit(module, bare)
    rewrite = _Rewrite(objects.names, ctx, quote)
    result = fast_visit(module, rewrite)
    assert isinstance(result, cst.Module)
    if rewrite.kept or bare.found:
        return result, rewrite.out
    return _drop_toolkit(result, objects.names), rewrite.out


def _drop_toolkit(module: cst.Module, names: set[str]) -> cst.Module:
    """Remove the top-level ``env = Environment()`` lines, then the toolkit imports nothing
    uses any more."""
    creations = set()
    for index, statement in enumerate(module.body):
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Assign)
            and _creates_env(statement.body[0].value)
        ):
            creations.add(index)
    result = drop_lines(module, creations)
    uses = NameUses()
    fast_visit(result, uses)
    unused = set()
    for index, statement in enumerate(result.body):
        if import_root(statement) in TOOLKITS:
            bound = bound_names(statement)  # type: ignore[arg-type]
            if bound and not any(name in uses.where for name in bound):
                unused.add(index)
    return drop_lines(result, unused)
