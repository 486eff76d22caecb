"""SageMaker-only imports a Vertex AI job cannot satisfy (LS003's share of issue 11 item 5).

``python -m trainer.task`` dies at import when the module imports a package that only exists
in SageMaker's containers. Three things happen here, on the module body, before the rules'
walk (and only for a file whose text names such a package, so others cost nothing):

* imports used only by SageMaker inference handlers move into those handlers (Vertex AI never
  calls them, so the import never runs);
* SageMaker Debugger (``smdebug``) hooks, which only record tensors for SageMaker, are
  removed with every statement that uses them, when nothing else needs them;
* ``get_dmatrix`` from ``sagemaker_xgboost_container`` becomes ``_liftshift_dmatrix``, an
  ``xgboost.DMatrix`` over the channel folder's files;
* SageMaker's PyTorch data-parallel library (``smdistributed.dataparallel.torch``, backend
  ``"smddp"``) becomes torch.distributed with NCCL, whose API it copies.

What remains is tagged at the import by LS003's sweep (``UNSUPPORTED_IMPORTS``) as a blocker.
"""

from __future__ import annotations

import re

import libcst as cst

from liftshift.codemods.base import quote_like, string_value
from liftshift.codemods.cstutil import dotted_name
from liftshift.codemods.passes import fast_visit

SAGEMAKER_ONLY = re.compile(
    r"^[ \t]*(?:from|import)[ \t]+(?:sagemaker\w*|smdebug|smdistributed|smexperiments)\b",
    re.MULTILINE,
)
SAGEMAKER_ONLY_NAMES = ("sagemaker", "smdebug", "smdistributed", "smexperiments")
HANDLERS = frozenset({"model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn"})
MOVABLE_ROOTS = frozenset(
    {
        "sagemaker_inference",
        "sagemaker_containers",
        "sagemaker_training",
        "sagemaker_pytorch_serving_container",
        "sagemaker_sklearn_container",
        "sagemaker_xgboost_container",
        "sagemaker_mxnet_serving_container",
        "sagemaker_huggingface_inference_toolkit",
        "sagemaker",
    }
)
DMATRIX_MODULE = "sagemaker_xgboost_container.data_utils"


def import_root(statement: cst.CSTNode) -> str:
    """The top-level package a module-level import line imports ("" if not one import)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return ""
    small = statement.body[0]
    if isinstance(small, cst.Import) and len(small.names) == 1:
        return dotted_name(small.names[0].name).split(".")[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        return dotted_name(small.module).split(".")[0]
    return ""


def bound_names(statement: cst.SimpleStatementLine) -> set[str]:
    small = statement.body[0]
    names: set[str] = set()
    if isinstance(small.names, cst.ImportStar):  # type: ignore[attr-defined]
        return names
    for alias in small.names:  # type: ignore[attr-defined]
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            names.add(alias.asname.name.value)
        elif isinstance(small, cst.Import):
            names.add(dotted_name(alias.name).split(".")[0])
        else:
            names.add(dotted_name(alias.name))
    return names


class NameUses(cst.CSTVisitor):
    """Where each name is used: top-level function name, or "" for the rest of the module."""

    def __init__(self) -> None:
        self.where: dict[str, set[str]] = {}
        self.function = ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self.function:
            self.function = node.name.value

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if self.function == original_node.name.value:
            self.function = ""

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.where.setdefault(node.value, set()).add(self.function)


def _prepend(function: cst.FunctionDef, statement: cst.BaseStatement) -> cst.FunctionDef:
    body = list(function.body.body)
    at = 0
    if (
        body
        and isinstance(body[0], cst.SimpleStatementLine)
        and isinstance(body[0].body[0], cst.Expr)
        and isinstance(body[0].body[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        at = 1  # after the docstring
    body.insert(at, statement.with_changes(leading_lines=()))  # type: ignore[attr-defined]
    return function.with_changes(body=function.body.with_changes(body=body))


def _serving_only(module: cst.Module, uses: dict[str, set[str]]) -> cst.Module:
    """Move imports only handlers use into those handlers."""
    body = list(module.body)
    moves: dict[str, list[cst.SimpleStatementLine]] = {}
    for statement in body:
        root = import_root(statement)
        if root in MOVABLE_ROOTS:
            names = bound_names(statement)  # type: ignore[arg-type]
            places = set().union(*(uses.get(name, set()) for name in names)) if names else set()
            if places and places <= HANDLERS:
                for place in places:
                    moves.setdefault(place, []).append(statement)  # type: ignore[arg-type]
    if not moves:
        return module
    moved_ids = {id(s) for group in moves.values() for s in group}
    drop = {index for index, statement in enumerate(body) if id(statement) in moved_ids}
    out = []
    for statement in drop_lines(module, drop).body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value in moves:
            function = statement
            for moved in reversed(moves[statement.name.value]):
                function = _prepend(function, moved)
            out.append(function)
            continue
        out.append(statement)
    return module.with_changes(body=out)


class _Debugger(cst.CSTTransformer):
    """Remove the statements using SageMaker Debugger names (``smd``, ``hook``)."""

    def __init__(self, tainted: set[str]) -> None:
        super().__init__()
        self.tainted = tainted
        self.removed = 0

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if _removable(original_node, self.tainted):
            self.removed += 1
            return cst.RemoveFromParent()
        return updated_node


def _debugger_names(module: cst.Module) -> set[str]:
    """smdebug's imported names and the variables assigned from them (``hook = smd.Hook…``)."""
    tainted: set[str] = set()
    for statement in module.body:
        if import_root(statement) == "smdebug":
            tainted |= bound_names(statement)  # type: ignore[arg-type]

    if tainted:
        fast_visit(module, _DebuggerAssignments(tainted))
    return tainted


class _DebuggerAssignments(cst.CSTVisitor):
    """Adds to ``tainted`` the variables assigned from it (``hook = smd.Hook…()``)."""

    def __init__(self, tainted: set[str]) -> None:
        super().__init__()
        self.tainted = tainted

    def visit_Assign(self, node: cst.Assign) -> None:
        if _rooted(node.value, self.tainted):  # hook = smd.Hook…(), not bst = train(…, [hook])
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.tainted.add(target.target.value)


def _rooted(node: cst.BaseExpression, names: set[str]) -> bool:
    """Whether the expression is a use *of* one of ``names`` (``hook.save_scalar(…)``,
    ``smd.Hook.create_from_json_file()``), not a call that merely passes one along
    (``xgboost.train(…, callbacks=[hook])``, which must stay)."""
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute | cst.Subscript):
            node = node.value
        else:
            return isinstance(node, cst.Name) and node.value in names


def _removable(statement: cst.SimpleStatementLine, tainted: set[str]) -> bool:
    """A line that only drives the debugger: its import, ``hook = …`` from it, or a call on it."""
    if import_root(statement) == "smdebug":
        return True
    if len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Expr):
        return _rooted(small.value, tainted)
    if isinstance(small, cst.Assign):
        return _rooted(small.value, tainted) and all(
            isinstance(target.target, cst.Name) for target in small.targets
        )
    return False


def _without_debugger(module: cst.Module) -> cst.Module:
    """Drop smdebug when every use of it is a whole statement of its own (``hook.register…``);
    otherwise leave it to the import's TODO."""
    tainted = _debugger_names(module)
    if not tainted:
        return module

    blocking = _DebuggerBlocked(tainted)
    fast_visit(module, blocking)
    if blocking.found:
        return module
    imports = {i for i, statement in enumerate(module.body) if import_root(statement) == "smdebug"}
    result = fast_visit(drop_lines(module, imports), _Debugger(tainted))
    return result  # type: ignore[return-value]


class _DebuggerBlocked(cst.CSTVisitor):
    """Finds a use of the debugger inside a compound statement's header or a call argument
    elsewhere (which blocks removing it)."""

    def __init__(self, tainted: set[str]) -> None:
        super().__init__()
        self.tainted = tainted
        self.found = False

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        # a line that only drives the debugger goes whole; any other use blocks
        return not _removable(node, self.tainted)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.tainted:
            self.found = True


class _DMatrix(cst.CSTTransformer):
    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.changed = False

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if original_node.value in self.names:
            self.changed = True
            return updated_node.with_changes(value="_liftshift_dmatrix")
        return updated_node


def drop_lines(module: cst.Module, drop: set[int]) -> cst.Module:
    """The module without the body statements at ``drop``; a dropped line's blank lines and
    comments above it stay, on the next kept statement."""
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for index, statement in enumerate(module.body):
        lines = list(getattr(statement, "leading_lines", ()))
        if index in drop:
            carried += lines
            continue
        if carried:
            blanks = [line for line in carried if line.comment is None]
            comments = [line for line in carried if line.comment is not None]
            own_blanks = sum(1 for line in lines if line.comment is None)
            extra = blanks[: max(0, len(blanks) - own_blanks)]
            body.append(statement.with_changes(leading_lines=[*extra, *comments, *lines]))  # type: ignore[call-arg]
            carried = []
            continue
        body.append(statement)
    return module.with_changes(body=body)


def _get_dmatrix(module: cst.Module) -> tuple[cst.Module, bool]:
    """``from sagemaker_xgboost_container.data_utils import get_dmatrix`` → our helper."""
    drop: set[int] = set()
    names: set[str] = set()
    for index, statement in enumerate(module.body):
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
        if (
            isinstance(small, cst.ImportFrom)
            and small.module is not None
            and dotted_name(small.module) == DMATRIX_MODULE
            and not isinstance(small.names, cst.ImportStar)
            and {dotted_name(alias.name) for alias in small.names} == {"get_dmatrix"}
        ):
            alias = small.names[0]
            asname = alias.asname.name if alias.asname is not None else alias.name
            names.add(asname.value)  # type: ignore[union-attr]
            drop.add(index)
    if not names:
        return module, False
    renamed = fast_visit(drop_lines(module, drop), _DMatrix(names))
    return renamed, True  # type: ignore[return-value]


TORCH_EQUIVALENTS = {
    "smdistributed.dataparallel.torch.distributed": "torch.distributed",
    "smdistributed.dataparallel.torch.parallel.distributed": "torch.nn.parallel",
    "smdistributed.dataparallel.torch.parallel": "torch.nn.parallel",
}
SIDE_EFFECT_ONLY = "smdistributed.dataparallel.torch.torch_smddp"


class _Backend(cst.CSTTransformer):
    """``init_process_group(backend="smddp")`` → ``"nccl"``: SageMaker's data-parallel
    backend only exists there; torch.distributed's own NCCL one does the same on GPUs, and
    Vertex AI sets MASTER_ADDR/MASTER_PORT/WORLD_SIZE/RANK for it."""

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if string_value(original_node) == "smddp":
            return quote_like(original_node, "nccl")
        return updated_node


def _is_side_effect_import(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, cst.Import)
        and len(small.names) == 1
        and small.names[0].asname is None
        and dotted_name(small.names[0].name) == SIDE_EFFECT_ONLY
    )


class _NestedSideEffectImport(cst.CSTTransformer):
    """``import …torch_smddp`` inside a block (``try: import …; except ImportError: …``, a
    function): it only registers the ``"smddp"`` backend, which becomes NCCL; an emptied block
    keeps a ``pass``."""

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        kept = [s for s in updated_node.body if not _is_side_effect_import(s)]
        if len(kept) == len(updated_node.body):
            return updated_node
        return updated_node.with_changes(body=kept or [cst.SimpleStatementLine([cst.Pass()])])


def _data_parallel(module: cst.Module, source: str) -> cst.Module:
    """SageMaker's PyTorch data-parallel library → torch.distributed (same API)."""
    if "smdistributed.dataparallel.torch" not in source:
        return module
    body = list(module.body)
    drop = set()
    for index, statement in enumerate(body):
        if import_root(statement) != "smdistributed":
            continue
        small = statement.body[0]  # type: ignore[attr-defined]
        if isinstance(small, cst.Import):
            name = dotted_name(small.names[0].name)
            if name == SIDE_EFFECT_ONLY and small.names[0].asname is None:
                drop.add(index)
            elif name in TORCH_EQUIVALENTS and small.names[0].asname is not None:
                alias = small.names[0].with_changes(
                    name=cst.parse_expression(TORCH_EQUIVALENTS[name])
                )
                body[index] = statement.with_changes(body=[small.with_changes(names=[alias])])
        elif isinstance(small, cst.ImportFrom) and small.module is not None:
            name = dotted_name(small.module)
            if name in TORCH_EQUIVALENTS:
                new = small.with_changes(module=cst.parse_expression(TORCH_EQUIVALENTS[name]))
                body[index] = statement.with_changes(body=[new])
    result = drop_lines(module.with_changes(body=body), drop)
    if SIDE_EFFECT_ONLY in source:
        result = fast_visit(result, _NestedSideEffectImport())  # type: ignore[assignment]
    if "smddp" in source:
        result = fast_visit(result, _Backend())  # type: ignore[assignment]
    return result


def rewrite_imports(module: cst.Module, source: str) -> tuple[cst.Module, set[str]]:
    """The module with SageMaker-only imports moved, replaced or removed where that is safe;
    plus the runtime helpers the result needs. ``module`` itself when nothing applies."""
    if not any(name in source for name in SAGEMAKER_ONLY_NAMES):
        return module, set()  # SAGEMAKER_ONLY needs one of these names (`in` is ~20x faster)
    if SAGEMAKER_ONLY.search(source) is None:
        return module, set()
    helpers: set[str] = set()
    result, replaced = _get_dmatrix(module)
    if replaced:
        helpers.add("_liftshift_dmatrix")
    result = _data_parallel(result, source)
    result = _without_debugger(result)
    uses = NameUses()
    fast_visit(result, uses)
    result = _serving_only(result, uses.where)
    return result, helpers
