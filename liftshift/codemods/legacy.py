"""Legacy script mode: entry points that define functions for SageMaker to call and run nothing.

SageMaker's pre-2019 framework containers imported the user module and called its functions:
``train(hyperparameters, channel_input_dirs, model_dir, num_gpus, hosts, current_host, …)``
(MXNet, Chainer, PyTorch) with ``save(model, model_dir)`` after it, or, for TensorFlow,
``estimator_fn``/``keras_model_fn`` with ``train_input_fn``. ``python -m trainer.task`` on such a
module defines the functions and exits 0 having trained nothing. A ``train(...)`` module gets
the ``__main__`` block the old container was (its arguments from the Vertex AI contract); the
TensorFlow form, and any other module that runs nothing, is refused by the migration.
"""

from __future__ import annotations

import libcst as cst

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import MigrationContext
from liftshift.codemods.smenv import attribute_code
from liftshift.foundation.catalog.script_mode import (
    LEGACY_TENSORFLOW_FUNCTIONS,
    LEGACY_TRAIN_ARGUMENTS,
)


def _is_main_guard(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.If) or not isinstance(statement.test, cst.Comparison):
        return False
    test = statement.test
    sides = [test.left, *(target.comparator for target in test.comparisons)]
    return any(isinstance(side, cst.Name) and side.value == "__name__" for side in sides)


def _runs(statement: cst.CSTNode) -> bool:
    """Whether a top-level statement does work when the module runs (a call, a loop, …)."""
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return False
    if not isinstance(statement, cst.SimpleStatementLine):
        return not (isinstance(statement, cst.Try | cst.If) and not _is_main_guard(statement))
    for small in statement.body:
        if isinstance(small, cst.Import | cst.ImportFrom | cst.Pass):
            continue
        if isinstance(small, cst.Expr) and isinstance(
            small.value, cst.SimpleString | cst.ConcatenatedString
        ):
            continue
        if isinstance(small, cst.Assign | cst.AnnAssign) and _static(small.value):
            continue
        return True
    return False


def _static(node: cst.CSTNode | None) -> bool:
    """A constant-like value (literals, names, containers of them): computing it runs no
    code of the script's (a call, a comprehension or a lambda might)."""
    if node is None or isinstance(
        node, cst.SimpleString | cst.ConcatenatedString | cst.Integer | cst.Float | cst.Name
    ):
        return True
    if isinstance(node, cst.Attribute):
        return _static(node.value)
    if isinstance(node, cst.UnaryOperation):
        return _static(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return _static(node.left) and _static(node.right)
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return all(_static(element.value) for element in node.elements)
    if isinstance(node, cst.Dict):
        return all(
            isinstance(element, cst.DictElement) and _static(element.key) and _static(element.value)
            for element in node.elements
        )
    return False


def runs_nothing(module: cst.Module) -> bool:
    """Only imports, constants and definitions: running the module trains nothing."""
    return not any(_runs(statement) for statement in module.body)


def functions(module: cst.Module) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}


def legacy_tensorflow(module: cst.Module) -> bool:
    return runs_nothing(module) and bool(LEGACY_TENSORFLOW_FUNCTIONS & set(functions(module)))


def main_block(module: cst.Module, ctx: MigrationContext) -> str | None:
    """The ``__main__`` block that calls a legacy ``train(...)`` the way the old containers
    did; None when the module is not one (or ``train`` wants an argument we cannot give)."""
    if not runs_nothing(module):
        return None
    found = functions(module)
    train = found.get("train")
    if train is None:
        return None
    params = train.params
    named = [*params.posonly_params, *params.params, *params.kwonly_params]
    if not any(param.name.value in LEGACY_TRAIN_ARGUMENTS for param in named):
        return None
    arguments = []
    for param in named:
        name = param.name.value
        if name in LEGACY_TRAIN_ARGUMENTS:
            arguments.append(f"{name}={_argument_code(name, ctx)}")
        elif param.default is None:
            return None
    call = f"train({', '.join(arguments)})"
    lines = ['if __name__ == "__main__":']
    if "save" in found:
        lines += [f"    _model = {call}", "    if _model is not None:"]
        lines.append(f"        save(_model, {ev.model_dir_code()})")
    else:
        lines.append(f"    {call}")
    return "\n".join(lines) + "\n"


def _argument_code(name: str, ctx: MigrationContext) -> str:
    code = attribute_code(name, ctx)
    assert code is not None
    return code
