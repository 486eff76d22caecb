"""Prediction rows from the sample data a run used, when a project ships no
``sample_instances.json``: the first rows of a CSV or Parquet file in the ``train`` channel,
without the label column. Which column is the label is read from the original entry point (the
column it pops or drops, or the one it reads into ``y``/``labels``/``target``) or from a
``target``/``label`` hyperparameter; failing those, the prediction helper applies SageMaker's
CSV convention for built-in algorithms (the label is the first column) when the rows are one
column wider than the model's input.

The helper (``_predict.py``) reads the file in the trainer's Python; this module only picks the
file and the column, from the parent.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")
ROWS = 4
LABEL_VARIABLES = {"y", "y_train", "labels", "label", "target", "targets", "y_true"}
LABEL_HYPERPARAMETERS = ("target", "label", "target_column", "label_column", "target_col")


def sample_file(channel_dirs: dict[str, str]) -> Path | None:
    """The first CSV/Parquet file of the ``train`` channel (else of the first channel that
    has one), in name order."""
    names = sorted(channel_dirs, key=lambda name: (name != "train", name))
    for name in names:
        folder = Path(channel_dirs[name])
        found = sorted(
            p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
        )
        if found:
            return found[0]
    return None


def label_column(entry: Path, hyperparameters: dict[str, Any]) -> tuple[str, str]:
    """(column name, how it was told) — ('', '') when neither the entry point nor a
    hyperparameter names it."""
    for key in LABEL_HYPERPARAMETERS:
        value = hyperparameters.get(key)
        if isinstance(value, str) and value:
            return value, f"the {key!r} hyperparameter"
    try:
        tree = ast.parse(entry.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return "", ""
    for node in ast.walk(tree):
        name = _popped_or_dropped(node)
        if name:
            return name, f"the column {entry.name} {_verb(node)} as the target"
    for node in ast.walk(tree):
        name = _read_into_label_variable(node)
        if name:
            return name, f"the column {entry.name} reads into its labels"
    return "", ""


def request_fields(
    channel_dirs: dict[str, str], entry: Path, hyperparameters: dict[str, Any]
) -> dict[str, Any] | None:
    """The ``sample`` part of a prediction request, or None without a table to read."""
    table = sample_file(channel_dirs)
    if table is None:
        return None
    column, why = label_column(entry, hyperparameters)
    channel_root = next(
        (Path(folder) for folder in channel_dirs.values() if table.is_relative_to(folder)), None
    )
    shown = table.relative_to(channel_root.parent) if channel_root else Path(table.name)
    return {
        "file": str(table),
        "shown": shown.as_posix(),
        "label": column,
        "label_why": why,
        "rows": ROWS,
    }


def _verb(node: ast.AST) -> str:
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    return "pops" if node.func.attr == "pop" else "drops"


def _popped_or_dropped(node: ast.AST) -> str:
    """``frame.pop("label")``, ``frame.drop("label", axis=1)``, ``frame.drop(columns=["label"])``
    → ``label``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return ""
    if node.func.attr == "pop" and node.args:
        return _string(node.args[0])
    if node.func.attr != "drop":
        return ""
    keywords = {k.arg: k.value for k in node.keywords}
    if "columns" in keywords:
        return _first_string(keywords["columns"])
    axis = keywords.get("axis")
    by_column = isinstance(axis, ast.Constant) and axis.value in (1, "columns")
    if node.args and by_column:
        return _first_string(node.args[0])
    return ""


def _read_into_label_variable(node: ast.AST) -> str:
    """``y = frame["label"]`` (or ``labels = frame["label"].to_numpy()``, or one element of a
    tuple assignment) → ``label``."""
    if not isinstance(node, ast.Assign) or len(node.targets) != 1:
        return ""
    target, value = node.targets[0], node.value
    pairs: list[tuple[ast.expr, ast.expr]] = [(target, value)]
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        pairs = list(zip(target.elts, value.elts, strict=False))
    for name_node, expression in pairs:
        if isinstance(name_node, ast.Name) and name_node.id.lower() in LABEL_VARIABLES:
            column = _subscripted_column(expression)
            if column:
                return column
    return ""


def _subscripted_column(expression: ast.expr) -> str:
    """``frame["label"]``, ``frame["label"].values``, ``frame["label"].to_numpy()``."""
    while True:
        if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
            expression = expression.func.value
        elif isinstance(expression, ast.Attribute):
            expression = expression.value
        else:
            break
    if isinstance(expression, ast.Subscript):
        return _string(expression.slice)
    return ""


def _first_string(node: ast.expr) -> str:
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        return _string(node.elts[0])
    return _string(node)


def _string(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
