"""Static evaluation of the expressions launchers pass to SageMaker: never runs user code.

Launchers build S3 URIs and hyperparameters from module-level constants, concatenations and
f-strings; those we compute. Anything that needs the program to run (``session.default_bucket()``,
a function call, a loop variable) stays :class:`Unresolved` with its source text, so reports say
exactly what could not be known instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from liftshift.scan.project import Unresolved


@dataclass(frozen=True)
class CallValue:
    """A call to a SageMaker helper we understand by its keywords (``TrainingInput(...)``,
    ``SourceCode(...)``, ``Compute(...)``, ``image_uris.retrieve(...)``): the callee's last name
    and its statically evaluated keyword (and positional) arguments."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    args: tuple[Any, ...] = ()
    source: str = ""


VALUE_CALLS = frozenset(
    {
        "TrainingInput",
        "s3_input",
        "FileSystemInput",
        "InputData",
        "S3DataSource",
        "SourceCode",
        "Compute",
        "OutputDataConfig",
        "CheckpointConfig",
        "StoppingCondition",
        "retrieve",
        "Torchrun",
        "MPI",
    }
)
"""Callees evaluated into :class:`CallValue` (matched by their last dotted name)."""


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class Evaluator:
    """Evaluates expressions against the module-level constants seen so far."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.env: dict[str, Any] = {}

    def source(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node).strip()

    def unresolved(self, node: cst.CSTNode) -> Unresolved:
        return Unresolved(self.source(node))

    def bind(self, target: cst.BaseAssignTargetExpression, value: cst.BaseExpression) -> None:
        """Record ``NAME = value`` at module level; other targets forget what they rebind."""
        if isinstance(target, cst.Name):
            self.env[target.value] = self.evaluate(value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                if isinstance(element.value, cst.Name):
                    self.env[element.value.value] = self.unresolved(element.value)

    def evaluate(self, node: cst.BaseExpression) -> Any:
        """A JSON-compatible value, a :class:`CallValue`, or :class:`Unresolved`."""
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return value if isinstance(value, str) else self.unresolved(node)
        if isinstance(node, cst.Integer | cst.Float):
            return node.evaluated_value
        if isinstance(node, cst.ConcatenatedString):
            return self._join([self.evaluate(node.left), self.evaluate(node.right)], node)
        if isinstance(node, cst.FormattedString):
            return self._fstring(node)
        if isinstance(node, cst.Name):
            if node.value in {"True", "False", "None"}:
                return {"True": True, "False": False, "None": None}[node.value]
            if node.value in self.env:
                return self.env[node.value]
            return self.unresolved(node)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            inner = self.evaluate(node.expression)
            if isinstance(inner, int | float) and not isinstance(inner, bool):
                return -inner
            return self.unresolved(node)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            if _is_number(left) and _is_number(right):
                return left + right
            return self.unresolved(node)
        if isinstance(node, cst.Dict):
            return self._dict(node)
        if isinstance(node, cst.List | cst.Tuple):
            items = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    return self.unresolved(node)
                items.append(self.evaluate(element.value))
            return items
        if isinstance(node, cst.Call):
            return self._call(node)
        return self.unresolved(node)

    def _join(self, parts: list[Any], node: cst.CSTNode) -> Any:
        if all(isinstance(part, str) for part in parts):
            return "".join(parts)
        return self.unresolved(node)

    def _fstring(self, node: cst.FormattedString) -> Any:
        parts: list[Any] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value.replace("{{", "{").replace("}}", "}"))
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            if part.format_spec or part.conversion not in (None, "s", "r"):
                return self.unresolved(node)
            value = self.evaluate(part.expression)
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                return self.unresolved(node)
            parts.append(repr(value) if part.conversion == "r" else str(value))
        if "\\" in "".join(parts) and not node.prefix.lower().count("r"):
            return self.unresolved(node)  # escapes in f-string text: rare, do not guess
        return "".join(parts)

    def _dict(self, node: cst.Dict) -> Any:
        result: dict[str, Any] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return self.unresolved(node)
            key = self.evaluate(element.key)
            if isinstance(key, Unresolved) or not isinstance(key, str | int | float | bool):
                return self.unresolved(node)
            result[str(key)] = self.evaluate(element.value)
        return result

    def _call(self, node: cst.Call) -> Any:
        name = dotted_name(node.func)
        if name is None:
            return self.unresolved(node)
        last = name.rsplit(".", 1)[-1]
        if last == "dict" and _all_keywords(node):
            return {arg.keyword.value: self.evaluate(arg.value) for arg in node.args if arg.keyword}
        if last in {"str", "int", "float"} and len(node.args) == 1:
            inner = self.evaluate(node.args[0].value)
            if isinstance(inner, Unresolved):
                return self.unresolved(node)
            try:
                return {"str": str, "int": int, "float": float}[last](inner)
            except (TypeError, ValueError):
                return self.unresolved(node)
        if last in VALUE_CALLS:
            kwargs = {}
            args = []
            for arg in node.args:
                if arg.star:
                    continue
                if arg.keyword is None:
                    args.append(self.evaluate(arg.value))
                else:
                    kwargs[arg.keyword.value] = self.evaluate(arg.value)
            return CallValue(last, kwargs, tuple(args), self.source(node))
        return self.unresolved(node)


def _all_keywords(node: cst.Call) -> bool:
    return all(arg.keyword is not None for arg in node.args)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def plain(value: Any) -> Any:
    """Make an evaluated value JSON-ready: CallValues become Unresolved (by their source)."""
    if isinstance(value, CallValue):
        return Unresolved(value.source)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
