"""LS003 sm-env: every other SageMaker environment read and ``/opt/ml`` path.

Vertex AI sets no ``SM_*`` variable, so each read becomes what Vertex AI offers instead, computed
at run time by a small helper written into the file: channels become the trainer's arguments
(``--train``; the flag is declared on the parser when missing so the backends can pass it),
``SM_HPS``/``SM_HP_*`` come from the ``--key value`` arguments, ``SM_OUTPUT_DATA_DIR`` goes under
the job's output folder, ``SM_NUM_GPUS``/``SM_NUM_CPUS`` are counted, and
``SM_HOSTS``/``SM_CURRENT_HOST`` come from ``CLUSTER_SPEC``/``TF_CONFIG``. Variables with no
equivalent become ``.get`` reads with a default (no ``KeyError`` outside SageMaker) and a TODO;
names built at run time, ``sagemaker_training.environment``, smdistributed and Pipe mode get a
TODO.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import FileContext, MigrationContext, Rule, string_value
from liftshift.codemods.cstutil import (
    StatementTodos,
    add_imports,
    find_keyword,
    parse_statement,
    preferred_quote,
)
from liftshift.codemods.envrewrite import (
    ADD_ARGUMENT,
    SM_NAME_IN_TEXT,
    AddArguments,
    EnvRewriter,
    declared_flags,
    flags_of,
    parser_names,
)
from liftshift.codemods.runtime import ensure_helpers

CODE = "LS003"

UNSUPPORTED_IMPORTS = {
    "sagemaker_training": "sagemaker_training only exists in SageMaker containers; read the "
    "trainer's arguments and the AIP_* variables instead",
    "sagemaker_containers": "sagemaker_containers only exists in SageMaker containers; read the "
    "trainer's arguments and the AIP_* variables instead",
    "smdistributed": "SageMaker distributed (smdistributed) has no Vertex AI equivalent; use "
    "torch.distributed / tf.distribute with CLUSTER_SPEC",
    "sagemaker_tensorflow": "Pipe mode (PipeModeDataset) has no Vertex AI equivalent; read the "
    "files from the channel folder (FUSE) instead",
}


class _Sweep(StatementTodos):
    """Flag imports of SageMaker-only modules and any SM_* name still present."""

    def __init__(self) -> None:
        super().__init__(CODE)
        self._docstring = 0

    def visit_Expr(self, node: cst.Expr) -> bool:
        if isinstance(node.value, cst.SimpleString | cst.ConcatenatedString):
            self._docstring += 1
        return True

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
        if isinstance(original_node.value, cst.SimpleString | cst.ConcatenatedString):
            self._docstring -= 1
        return updated_node

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._check_module(cst.Module(body=[]).code_for_node(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            self._check_module(cst.Module(body=[]).code_for_node(node.module))

    def _check_module(self, dotted: str) -> None:
        root = dotted.split(".", maxsplit=1)[0]
        if root in UNSUPPORTED_IMPORTS:
            self.todo(UNSUPPORTED_IMPORTS[root])

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else ""
            if keyword == "input_mode" and string_value(arg.value) in {"Pipe", "FastFile"}:
                self.todo("Pipe/FastFile input mode has no Vertex AI equivalent")

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = string_value(node)
        if self._docstring or value is None:
            return
        found = SM_NAME_IN_TEXT.search(value)
        if found and value.strip().startswith("SM_"):
            name = value.strip().split()[0]
            self.todo(f"{name} is a SageMaker variable and is not set on Vertex AI")


def _channel_flags(module: cst.Module, ctx: MigrationContext) -> None:
    """Channels the script already takes as an argument (``--data-dir`` reading
    ``SM_CHANNEL_TRAINING``): reads elsewhere in the file use the same flag."""
    for call in m.findall(module, ADD_ARGUMENT):
        default = find_keyword(call, "default")  # type: ignore[arg-type]
        read = ev.env_read(default.value) if default is not None else None
        long = [flag for flag in flags_of(call) if flag.startswith("--")]  # type: ignore[arg-type]
        if read and read.name and read.name.startswith("SM_CHANNEL_") and long:
            ctx.added_arguments.setdefault(read.name[len("SM_CHANNEL_") :].lower(), long[0])


def transform(module: cst.Module, fctx: FileContext) -> cst.Module:
    _channel_flags(module, fctx.migration)
    quote = preferred_quote(module)
    rewriter = EnvRewriter(
        CODE,
        fctx,
        owns=lambda name: name not in ev.MODEL_NAMES,
        wrappers=ev.simple_wrappers(module),
        quote=quote,
        indent=module.default_indent,
    )
    result = module.visit(rewriter)
    parsers = parser_names(result)
    if fctx.is_entry and parsers:
        declared = declared_flags(result)
        statements = []
        for channel in fctx.migration.channels:
            flag = fctx.migration.channel_flag(channel.name)
            if flag in declared:
                continue
            kind = "_liftshift_path" if fctx.migration.data_access == "fuse" else "str"
            statements.append(
                parse_statement(
                    f'{parsers[0]}.add_argument("{flag}", type={kind}, default=None)', quote
                )
            )
            fctx.migration.added_arguments.setdefault(channel.name, flag)
        if statements:
            result = result.visit(AddArguments(parsers[0], statements))
    sweep = _Sweep()
    result = result.visit(sweep)
    if result.deep_equals(module):
        return module
    result = ensure_helpers(result)
    return add_imports(result, ["os"] if rewriter.needs_os else [])


RULE = Rule(
    code=CODE,
    name="sm-env",
    description="Every other SM_* read and /opt/ml path becomes its Vertex AI equivalent.",
    docs=__doc__ or "",
    transform_file=transform,
)
