"""LS004 gcs-input: training data is read from Cloud Storage directly, with no copy step.

Strategy (``plan.data.access``):

* ``fuse`` (default): Vertex AI mounts every bucket at ``/gcs/<bucket>``. The channel arguments
  map ``gs://`` URIs to that mount (LS003 sets ``type=_liftshift_path``), so ``open``, pandas,
  ``glob`` + ``tf.data.TFRecordDataset`` work unchanged on Vertex AI *and* on the local target
  (which passes plain folders). This rule wraps hard-coded ``gs://`` literals the same way.
* ``gs``: channel values stay ``gs://`` URIs. In TensorFlow files, listing and globbing go
  through ``tf.io.gfile`` (``glob.glob`` → ``tf.io.gfile.glob``, ``os.listdir`` →
  ``tf.io.gfile.listdir``, ``os.path.exists``/``isdir`` → ``tf.io.gfile.exists``/``isdir``), so
  ``TFRecordDataset`` reads ``gs://`` directly; pandas reads ``gs://`` through gcsfs. Other
  file APIs in non-TensorFlow files get a TODO.

Hard-coded ``s3://`` reads get a TODO in both modes: point them at the GCS copy.
"""

from __future__ import annotations

import re

import libcst as cst

from liftshift.codemods.base import FileContext, Rule, string_value
from liftshift.codemods.cstutil import StatementTodos, dotted_name
from liftshift.codemods.passes import FilePass, transform_with
from liftshift.codemods.runtime import HELPER_NAMES, ensure_helpers

CODE = "LS004"
GFILE = {
    "glob.glob": "tf.io.gfile.glob",
    "os.listdir": "tf.io.gfile.listdir",
    "os.path.exists": "tf.io.gfile.exists",
    "os.path.isdir": "tf.io.gfile.isdir",
    "os.walk": "tf.io.gfile.walk",
}


def _imports_tensorflow(source: str) -> bool:
    return TENSORFLOW_IMPORT.search(source) is not None


class _Rewrite(StatementTodos):
    def __init__(self, access: str, tensorflow: bool) -> None:
        super().__init__(CODE)
        self.access = access
        self.tensorflow = tensorflow
        self._in_path_call = 0
        self.changed = False
        self.uses_path = False
        self._docstring = 0
        self._string_checks = 0
        """Depth of string checks (``.startswith("s3://")``, comparisons): no S3 read there."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        # liftshift's own helpers already handle gs:// themselves
        super().visit_FunctionDef(node)
        return node.name.value not in HELPER_NAMES

    def visit_Expr(self, node: cst.Expr) -> bool:
        if isinstance(node.value, cst.SimpleString | cst.ConcatenatedString):
            self._docstring += 1
        return True

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
        if isinstance(original_node.value, cst.SimpleString | cst.ConcatenatedString):
            self._docstring -= 1
        return updated_node

    def visit_Call(self, node: cst.Call) -> bool:
        if _is_path_helper(node.func):
            self._in_path_call += 1
        if _is_string_check(node):
            self._string_checks += 1
        return True

    def visit_Comparison(self, node: cst.Comparison) -> bool:
        self._string_checks += 1  # path[:5] == "s3://", "s3://" in uri
        return True

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        self._string_checks -= 1
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if _is_string_check(original_node):
            self._string_checks -= 1
        if _is_path_helper(original_node.func):
            self._in_path_call -= 1
            return updated_node
        name = dotted_name(original_node.func)
        client = _s3_client(original_node, name)
        if client:
            self.todo(
                f"reads data from S3 with {client}; on Vertex AI read the channel folder "
                "(the GCS copy `liftshift sync` made) instead"
            )
        if self.access == "gs" and name in GFILE:
            if self.tensorflow:
                self.changed = True
                return updated_node.with_changes(func=cst.parse_expression(GFILE[name]))
            self.todo(f"{name} cannot list gs:// URIs; use gcsfs or set data access to 'fuse'")
        return updated_node

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        raw = original_node.value
        if AWS_CLI.search(raw) and not self._docstring:
            self.todo(
                "copies data with the AWS CLI (aws s3); on Vertex AI read the channel folder "
                "(the GCS copy `liftshift sync` made) instead"
            )
            return updated_node
        if "gs://" not in raw and "s3://" not in raw:
            return updated_node
        value = string_value(original_node) or ""
        if self._docstring:
            return updated_node
        if value.startswith("s3://") and (self._string_checks or value == "s3://"):
            return updated_node  # a check of a URI's scheme, not a read
        if value.startswith("s3://"):
            self.todo(f"reads {value} from S3; point it at the GCS copy (liftshift sync)")
        elif value.startswith("gs://") and self.access == "fuse" and not self._in_path_call:
            self.changed = self.uses_path = True
            return cst.Call(func=cst.Name("_liftshift_path"), args=[cst.Arg(updated_node)])
        return updated_node


STRING_CHECKS = frozenset(
    {"startswith", "endswith", "replace", "split", "lstrip", "removeprefix", "partition", "find"}
)
AWS_CLI = re.compile(r"\baws\s+s3\s+(cp|sync|mv)\b")


def _is_path_helper(func: cst.BaseExpression) -> bool:
    """``_liftshift_path`` called (plain checks: this runs on every call of the file, and a
    libcst matcher costs ~50x as much)."""
    return isinstance(func, cst.Name) and func.value == "_liftshift_path"


def _is_string_check(node: cst.Call) -> bool:
    return isinstance(node.func, cst.Attribute) and node.func.attr.value in STRING_CHECKS


def _s3_client(node: cst.Call, name: str) -> str:
    """``boto3.client("s3")``/``boto3.resource("s3")``/``s3fs.S3FileSystem()``: the API named."""
    if name.endswith("S3FileSystem"):
        return "s3fs"
    method = name.rsplit(".", maxsplit=1)[-1]
    if method in ("client", "resource") and node.args and string_value(node.args[0].value) == "s3":
        return "boto3"
    return ""


TENSORFLOW_IMPORT = re.compile(r"^\s*(import|from)\s+tensorflow\b", re.MULTILINE)
TRIGGERS = {
    "fuse": re.compile(r"gs://|s3://|S3FileSystem|aws\s+s3|['\"]s3['\"]"),
    "gs": re.compile(
        r"gs://|s3://|glob|listdir|exists|isdir|walk|S3FileSystem|aws\s+s3|['\"]s3['\"]"
    ),
}


TRIGGER_WORDS = {
    "fuse": ("gs://", "s3", "S3FileSystem"),
    "gs": ("gs://", "s3", "S3FileSystem", "glob", "listdir", "exists", "isdir", "walk"),
}
"""A TRIGGERS match holds one of these words: `in` rules most files out ~10x faster."""


def make_pass(module: cst.Module, fctx: FileContext) -> FilePass | None:
    access = fctx.migration.data_access
    if fctx.source is not None and not any(word in fctx.source for word in TRIGGER_WORDS[access]):
        return None
    if not fctx.mentions(TRIGGERS[access]):
        return None
    source = fctx.source if fctx.source is not None else module.code
    rewrite = _Rewrite(fctx.migration.data_access, _imports_tensorflow(source))

    def finish(result: cst.Module) -> cst.Module:
        return ensure_helpers(result, {"_liftshift_path"} if rewrite.uses_path else set())

    return FilePass(rewrite, finish, lambda: bool(rewrite.changed or rewrite.todos_added))


transform = transform_with(make_pass)


RULE = Rule(
    code=CODE,
    name="gcs-input",
    description="Data reads go to GCS directly: FUSE paths, or tf.io.gfile over gs:// URIs.",
    docs=__doc__ or "",
    transform_file=transform,
    make_pass=make_pass,
)
