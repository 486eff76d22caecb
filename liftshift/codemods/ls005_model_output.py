"""LS005 model-output: save the model under the names Vertex AI prediction containers load.

Vertex AI's prebuilt prediction containers look in the model directory for ``model.joblib`` or
``model.pkl`` (scikit-learn), ``model.bst`` (XGBoost) or a SavedModel at its root (TensorFlow:
no numbered version folder, unlike TensorFlow Serving on SageMaker). The folder itself comes from
LS002. Other names are renamed everywhere in the file (so a ``model_fn`` that loads the same name
keeps working); ``torch.save`` and SageMaker inference handlers (``model_fn``, ``input_fn``,
``predict_fn``, ``output_fn``) get a TODO: Vertex AI does not call them.
"""

from __future__ import annotations

import re

import libcst as cst
import libcst.matchers as m

from liftshift.codemods.base import (
    TODO_PREFIX,
    FileContext,
    Rule,
    add_todo,
    quote_like,
    string_value,
)
from liftshift.codemods.cstutil import StatementTodos, dotted_name
from liftshift.codemods.passes import FilePass, fast_visit, transform_with

CODE = "LS005"
VERSION_DIR = re.compile(r"^\d+$")
HANDLERS = {"model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn"}
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".sav")
JOIN = m.Call(
    func=m.Attribute(
        value=m.Attribute(value=m.Name("os"), attr=m.Name("path")), attr=m.Name("join")
    )
)


def _last_literal(path: cst.BaseExpression) -> cst.SimpleString | None:
    """The file-name literal at the end of a path expression, if there is one."""
    if m.matches(path, JOIN) and path.args:  # type: ignore[attr-defined]
        last = path.args[-1].value  # type: ignore[attr-defined]
        return last if isinstance(last, cst.SimpleString) else None
    if isinstance(path, cst.BinaryOperation) and isinstance(path.right, cst.SimpleString):
        return path.right
    if isinstance(path, cst.SimpleString):
        return path
    return None


class _Plan(cst.CSTVisitor):
    """First pass: which file names to rename, and which saves drop a version folder."""

    def __init__(self) -> None:
        self.renames: dict[str, str] = {}
        self.uses_xgboost = False
        self.savers = {"joblib": "joblib", "pickle": "pickle"}
        """Local name → module, for ``import pickle as pkl``."""

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted_name(alias.name)
            if name.startswith("xgboost"):
                self.uses_xgboost = True
            if name in ("joblib", "pickle") and alias.asname is not None:
                asname = alias.asname.name
                if isinstance(asname, cst.Name):
                    self.savers[asname.value] = name

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and dotted_name(node.module).startswith("xgboost"):
            self.uses_xgboost = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or not node.args:
            return
        owner = self.savers.get(func.value.value, "") if isinstance(func.value, cst.Name) else ""
        if func.attr.value == "dump" and owner and len(node.args) > 1:
            self._pickled(owner, node.args[1].value)
        if func.attr.value == "save_model" and self.uses_xgboost:
            literal = _last_literal(node.args[0].value)
            value = string_value(literal) if literal is not None else None
            name = value.rsplit("/", 1)[-1] if value else None
            if name and name not in {"model.bst", "model.json", "model.ubj"}:
                self.renames[value] = value[: len(value) - len(name)] + "model.bst"  # type: ignore[index]

    def _pickled(self, owner: str, target: cst.BaseExpression) -> None:
        # pickle.dump(model, open(path, "wb")) → the path is open()'s first argument
        if isinstance(target, cst.Call) and m.matches(target.func, m.Name("open")) and target.args:
            target = target.args[0].value
        literal = _last_literal(target)
        value = string_value(literal) if literal is not None else None
        if not value:
            return
        name = value.rsplit("/", 1)[-1]
        if not name.endswith(PICKLE_SUFFIXES) and "." in name:
            return
        wanted = (
            "model.joblib"
            if owner == "joblib" and not name.endswith((".pkl", ".pickle"))
            else "model.pkl"
        )
        if name not in {"model.joblib", "model.pkl"}:
            self.renames[value] = value[: len(value) - len(name)] + wanted


class _Rewrite(StatementTodos):
    def __init__(self, renames: dict[str, str]) -> None:
        super().__init__(CODE)
        self.renames = renames
        self.changed = False

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        if not self.renames or not any(name in original_node.value for name in self.renames):
            return updated_node
        value = string_value(original_node)
        if value in self.renames:
            self.changed = True
            return quote_like(original_node, self.renames[value])
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        name = dotted_name(func)
        if name in {"torch.save"}:
            self.todo(
                "Vertex AI's PyTorch prediction container loads a TorchServe archive "
                "(model.mar); package the saved weights with torch-model-archiver"
            )
        is_tf_save = name in {"tf.saved_model.save", "tf.keras.models.save_model"} or (
            isinstance(func, cst.Attribute) and func.attr.value in {"save", "export"}
        )
        if not is_tf_save:
            return updated_node
        args = list(updated_node.args)
        index = 1 if name in {"tf.saved_model.save", "tf.keras.models.save_model"} else 0
        if len(args) <= index:
            return updated_node
        path = args[index].value
        if m.matches(path, JOIN) and len(path.args) == 2:  # type: ignore[attr-defined]
            last = string_value(path.args[1].value)  # type: ignore[attr-defined]
            if last is not None and VERSION_DIR.match(last):
                # Vertex AI serves the SavedModel at the model directory's root
                base = path.args[0].value.with_changes()  # type: ignore[attr-defined]
                args[index] = args[index].with_changes(value=base)
                self.changed = True
                return updated_node.with_changes(args=args)
        return updated_node


def _looks_like_handler(node: cst.FunctionDef) -> bool:
    """``input_fn`` is also TensorFlow's training input function: only flag the serving form."""
    params = [param.name.value for param in node.params.params]
    if node.name.value == "model_fn":
        return len(params) in (1, 2) and "features" not in params
    if node.name.value == "input_fn":
        return len(params) in (2, 3) and any("content" in p or "request" in p for p in params)
    return True


CALL_REWRITES = re.compile(r"torch\.save|['\"]\d+['\"]\s*\)")
RENAME_CANDIDATES = re.compile(
    r"['\"/](?!model\.(joblib|pkl)['\"])[\w.-]+\.(joblib|pkl|pickle|sav)['\"]|save_model"
)
HANDLER_TODO = (
    "{name} is a SageMaker inference handler; Vertex AI prebuilt prediction containers do "
    "not call it (use a custom container if needed)"
)


def _flag_handlers(module: cst.Module) -> cst.Module:
    """Handlers are module-level functions: look at the module body, no tree walk needed."""
    header = {line.comment.value for line in module.header if line.comment is not None}
    body = list(module.body)
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.FunctionDef):
            continue
        if statement.name.value not in HANDLERS or not _looks_like_handler(statement):
            continue
        message = HANDLER_TODO.format(name=statement.name.value)
        if index == 0 and f"{TODO_PREFIX} {CODE}: {message}" in header:
            continue
        body[index] = add_todo(statement, CODE, message)
    return module if body == list(module.body) else module.with_changes(body=body)


def make_pass(module: cst.Module, fctx: FileContext) -> FilePass | None:
    # the text says whether a walk of the tree can find anything: each walk costs a parse
    handlers: list[bool] = []

    def before(result: cst.Module) -> cst.Module:
        flagged = _flag_handlers(result)
        handlers.append(flagged is not result)
        return flagged

    renames = fctx.mentions(RENAME_CANDIDATES)
    planner = _Plan()
    if renames:
        fast_visit(module, planner)
    rewrite = None
    if planner.renames or fctx.mentions(CALL_REWRITES):
        rewrite = _Rewrite(planner.renames)

    def changed() -> bool:
        walked = rewrite is not None and bool(rewrite.changed or rewrite.todos_added)
        return walked or any(handlers)

    return FilePass(rewrite, lambda result: result, changed, before)


transform = transform_with(make_pass)


RULE = Rule(
    code=CODE,
    name="model-output",
    description="Model artifacts get the names Vertex AI prediction containers expect.",
    docs=__doc__ or "",
    transform_file=transform,
    make_pass=make_pass,
)
