"""The transform behind LS002 and LS003: rewrite SageMaker environment reads and ``/opt/ml``
literals, in every style, into Vertex AI equivalents; argparse arguments keep their flags.

Each rule owns a subset of the names (LS002: the model and checkpoint directories; LS003: the
rest), so ``--rules``/``--skip`` stay meaningful. Argument defaults are rewritten in place (the
flag stays, so local invocations keep working) and reads outside argparse go through
``_liftshift_arg``, which reads the same flag from ``sys.argv``: that works whether the read runs
before or after ``parse_args`` and whether or not the script has a parser at all.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable

import libcst as cst

from liftshift.codemods import envreads as ev
from liftshift.codemods.base import FileContext, string_value
from liftshift.codemods.codegen import bare_code
from liftshift.codemods.cstutil import (
    StatementTodos,
    dotted_name,
    drop_keyword,
    find_keyword,
    insert_arg,
    parse_expr,
    parse_statement,
    set_keyword,
    wrap_long_call,
)

SM_NAME_IN_TEXT = re.compile(r"\bSM_[A-Z0-9_]")
BUILT_SM_NAME = re.compile(r"\bSM_")
CREATES_FOLDERS = re.compile(r"makedirs|mkdir|\btensorflow\b|\bkeras\b")
FOLDER_WORDS = ("makedirs", "mkdir", "tensorflow", "keras")
"""A CREATES_FOLDERS match holds one of these: `in` rules most files out ~10x faster."""
HELPER_CALL = re.compile(r"\b_liftshift_\w+")
COMMAND_MODEL_DIR = re.compile(r"(?<=\s)/opt/ml/model(?=[\s/]|$)")
"""``/opt/ml/model`` inside a command line (after a space): the model folder a program run by
the trainer writes into."""
OTHER_OPT_ML = re.compile(r"/opt/ml\b")
BUILT_OPT_ML_TODO = "path under /opt/ml built at run time; use the trainer's arguments"
EMBEDDED_OPT_ML_TODO = (
    "this string names a path under /opt/ml (SageMaker's container layout), which does not "
    "exist on Vertex AI; use the trainer's arguments (channel flags, --job-dir)"
)
COMMAND_MODEL_DIR_TODO = (
    "the command run here writes into the model folder (it named /opt/ml/model); Vertex AI's "
    "prebuilt prediction containers load only model.joblib/model.pkl/model.bst or a "
    "SavedModel at its root: check what that program saves, or serve it from a custom container"
)


def flags_of(call: cst.Call) -> list[str]:
    flags = []
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            value = string_value(arg.value)
            if value is not None and value.startswith("-"):
                flags.append(value)
    return flags


def dest_of(call: cst.Call) -> str | None:
    dest = find_keyword(call, "dest")
    if dest is not None:
        return string_value(dest.value)
    flags = flags_of(call)
    long = [flag for flag in flags if flag.startswith("--")]
    chosen = long[0] if long else (flags[0] if flags else None)
    return chosen.lstrip("-").replace("-", "_") if chosen else None


def _is_parse_call(node: cst.CSTNode | None) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("parse_args", "parse_known_args")
    )


def _is_parser(func: cst.BaseExpression) -> bool:
    if isinstance(func, cst.Name):
        return func.value == "ArgumentParser"
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "ArgumentParser"
        and isinstance(func.value, cst.Name)
        and func.value.value == "argparse"
    )


SERVING_HANDLERS = frozenset({"model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn"})
SAGEMAKER_PACKAGE = re.compile(r"^sagemaker_\w+$")
SERVING_BLOCKER = (
    "{root} is not installed where Vertex AI serves the model; LS007's predictor calls "
    "{handler}, which dies at this import: add its distribution to the package's "
    "install_requires or replace what it uses"
)
GENERIC_BLOCKER = (
    "blocker: {root} only exists in SageMaker containers; the job dies at this import on "
    "Vertex AI (move it where it is used, or remove it)"
)


def _catches_import_error(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = {dotted_name(handler.type)}
    if isinstance(handler.type, cst.Tuple):
        names = {dotted_name(element.value) for element in handler.type.elements}
    return bool(names & {"ImportError", "ModuleNotFoundError", "Exception"})


def _is_str_type(call: cst.Call) -> bool:
    arg = find_keyword(call, "type")
    # plain checks, not a libcst matcher (~3 us each): the same test, ~50x cheaper
    return arg is None or (isinstance(arg.value, cst.Name) and arg.value.value == "str")


@functools.lru_cache(maxsize=1024)
def _replacement(code: str, quote: str) -> cst.BaseExpression:
    """A replacement expression, parsed once per run however many files get it: parsing builds
    every node in Python (a nested helper call takes ~0.1 ms) and the same few replacements
    go into file after file. Sharing the (immutable) node is safe because the rewriter only
    puts it into the result of its walk, and nothing after it keys anything by the identity
    of a node a rule created (the rewriters' id() sets hold nodes of the tree they walk)."""
    return parse_expr(code, quote)


@functools.lru_cache(maxsize=256)
def argument_line(code: str, quote: str) -> cst.BaseStatement:
    """An ``add_argument`` line for :class:`AddArguments`, parsed once per run for the same
    reasons as :func:`_replacement`: ``--job-dir`` and the channel flags go into project after
    project (``migrate --check`` over a monorepo), and ``parse_statement`` costs ~0.1 ms."""
    return parse_statement(code, quote)


class EnvRewriter(StatementTodos):
    """Rewrite the reads a rule owns; collect TODOs; remember argparse facts for later passes."""

    def __init__(
        self,
        code: str,
        fctx: FileContext,
        *,
        owns: Callable[[str], bool],
        wrappers: ev.Wrappers,
        names: ev.EnvNames = ev.DEFAULT_NAMES,
        quote: str,
        indent: str = "    ",
        unsupported_imports: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.indent = indent
        self.unsupported_imports = unsupported_imports
        self.fctx = fctx
        self.ctx = fctx.migration
        self.owns = owns
        self.wrappers = wrappers
        self.names = names
        self.quote = quote
        self.renames: dict[str, str] = {}
        """argparse dest renames (``model_dir`` → ``job_dir``)."""
        self.needs_os = False
        self.changed = False
        # facts gathered on the same pass, so the rules need no extra walk of the tree
        self.parsers: list[str] = []
        self.flags: set[str] = set()
        self.holders: set[str] = {"args"}
        self.parse_functions: set[str] = set()
        self.helpers: set[str] = set()
        self._functions: list[str] = []
        self._prose_depth = 0
        self._owned_reads = 0
        self._attributes_seen: set[str] = set()
        """``holder.attr`` names met before a rename was known (then a second pass renames)."""
        self._fstring_quotes: list[str] = []
        """The quotes of the f-strings being walked (innermost last)."""
        self._written: set[int] = set()
        """ids of subscripts being assigned or deleted (``os.environ["SM_X"] = …``)."""
        self._guarded_imports = 0
        """Depth of ``try:`` blocks that catch ImportError (an optional import is fine)."""
        self._argument_defaults: set[int] = set()
        """ids of argparse defaults the argument rewrite replaces as a whole."""
        self._reads: dict[int, tuple[cst.CSTNode, ev.EnvRead | None]] = {}
        """What :meth:`_env_read` found per node (id → the node itself, its read)."""

    # --- helpers -------------------------------------------------------------------------
    def _env_read(self, node: cst.CSTNode) -> ev.EnvRead | None:
        """``env_read`` of ``node`` with this rewriter's wrappers, once per node: entering,
        leaving and rewriting a call each asked. The node is kept with its answer, so an id
        reused by a later node can never match."""
        known = self._reads.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        read = ev.env_read(node, self.wrappers, self.names)
        self._reads[id(node)] = (node, read)
        return read

    def parse(self, code: str) -> cst.BaseExpression:
        if "os." in code:
            self.needs_os = True
        self.helpers.update(HELPER_CALL.findall(code))
        self.changed = True
        quote = self.quote
        if self._fstring_quotes:
            # inside an f-string's braces Python 3.11 rejects the f-string's own quote
            outer = self._fstring_quotes[-1]
            quote = "'" if '"' in outer else '"'
        return _replacement(code, quote)

    def path_type(self) -> cst.Name:
        self.helpers.add("_liftshift_path")
        self.changed = True
        return cst.Name("_liftshift_path")

    # --- facts ------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._functions.append(node.name.value)
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.BaseStatement:
        self._functions.pop()
        if not self._functions and self.code == "LS003":
            updated_node = self._table_wrapper(original_node, updated_node)
        return super().leave_FunctionDef(original_node, updated_node)

    def _table_wrapper(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        """``def sm_path(kind, default=None): names = {"train": "SM_CHANNEL_TRAIN", …};
        return os.environ.get(names[kind], default)``: the helper answers each kind from what
        replaces its variable on Vertex AI, so every caller (also one passing the kind at run
        time) gets the flag's value; its calls with a literal kind are rewritten as well."""
        template = self.wrappers.get(original.name.value)
        if template is None or not template.table:
            return updated
        names = [name for _, name in template.table]
        if any(name in ev.MODEL_NAMES for name in names) and not any(
            self._handled(ev.EnvRead(name, None, "helper"))
            for name in names
            if name in ev.MODEL_NAMES
        ):
            return updated  # LS002 is not in this run: the model folder stays its business
        statements = list(original.body.body)
        returned = statements[-1].body[0]  # type: ignore[attr-defined]
        read = ev.env_read(returned.value, names=self.names)
        if read is None:
            return updated
        kind = original.params.params[0].name.value
        required = read.style == "environ_subscript"
        default = read.default if self._default_code(read.default) is not None else None
        lines = []
        for key, name in template.table:
            code, todo = ev.replacement(name, self.ctx, default, required)
            if todo:
                self.todo(todo)
            lines.append(f"if {kind} == {json.dumps(key)}:\n{self.indent}return {code}\n")
        lines.append(f"raise KeyError({kind})\n")
        body = [self._statement(line) for line in lines]
        kept = list(updated.body.body)[: len(statements) - 2]  # the docstring
        return updated.with_changes(body=updated.body.with_changes(body=[*kept, *body]))

    def _statement(self, code: str) -> cst.BaseStatement:
        self.helpers.update(HELPER_CALL.findall(code))
        self.needs_os = self.needs_os or "os." in code
        self.changed = True
        module = cst.parse_module(code, config=cst.PartialParserConfig())
        statement = module.body[0]
        return statement

    def visit_Return(self, node: cst.Return) -> None:
        if self._functions and _is_parse_call(node.value):
            self.parse_functions.add(self._functions[-1])

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        self._fstring_quotes.append(node.start)
        return True

    def _targets(self, *targets: cst.BaseExpression) -> None:
        for target in targets:
            if isinstance(target, cst.Subscript):
                self._written.add(id(target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._targets(node.target)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._targets(*(target.target for target in node.targets))
        value = node.value
        if isinstance(value, cst.Call) and _is_parser(value.func):
            self.parsers.extend(
                t.target.value for t in node.targets if isinstance(t.target, cst.Name)
            )
            return
        produces = _is_parse_call(value) or (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value in self.parse_functions
        )
        if not produces:
            return
        for target in node.targets:
            first = target.target
            if isinstance(first, cst.Tuple) and first.elements:
                first = first.elements[0].value
            if isinstance(first, cst.Name):
                self.holders.add(first.value)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        value = updated_node.value
        if not isinstance(value, cst.Name) or value.value not in self.holders:
            return updated_node
        attr = updated_node.attr.value
        if attr in self.renames:
            self.changed = True
            return updated_node.with_changes(attr=cst.Name(self.renames[attr]))
        self._attributes_seen.add(attr)
        return updated_node

    def needs_rename_pass(self) -> bool:
        """Whether some ``args.<old dest>`` came before the argument itself in the file."""
        return bool(self._attributes_seen & set(self.renames))

    # --- what cannot be converted (LS003's sweep, on the same pass) ---------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._check_module(dotted_name(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and not node.relative:
            self._check_module(dotted_name(node.module))

    def _check_module(self, dotted: str) -> None:
        root = dotted.split(".", maxsplit=1)[0]
        if self.unsupported_imports is None or self._guarded_imports:
            return
        if self._functions and self._functions[0] in SERVING_HANDLERS:
            # the job never calls a handler, but LS007's predictor does when Vertex AI serves
            if root in self.unsupported_imports or SAGEMAKER_PACKAGE.match(root):
                self.todo(SERVING_BLOCKER.format(root=root, handler=self._functions[0]))
            return
        if root in self.unsupported_imports:
            self.todo(self.unsupported_imports[root])
        elif SAGEMAKER_PACKAGE.match(root):
            self.todo(GENERIC_BLOCKER.format(root=root))

    def visit_Try(self, node: cst.Try) -> bool:
        if any(_catches_import_error(handler) for handler in node.handlers):
            self._guarded_imports += 1
        return True

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.BaseStatement:
        if any(_catches_import_error(handler) for handler in original_node.handlers):
            self._guarded_imports -= 1
        return updated_node

    def visit_Call(self, node: cst.Call) -> None:
        self._enter_read(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_argument":
            default = find_keyword(node, "default")
            name = self._argument_variable(default)
            if default is not None and name and self._rewrites_argument(name):
                self._argument_defaults.add(id(default.value))
        if self.unsupported_imports is None:
            return
        for arg in node.args:
            keyword = arg.keyword.value if arg.keyword is not None else ""
            if keyword == "input_mode" and string_value(arg.value) in {"Pipe", "FastFile"}:
                self.todo("Pipe/FastFile input mode has no Vertex AI equivalent")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._enter_read(node)

    def _handled(self, read: ev.EnvRead | None) -> bool:
        """A read this rule rewrites, or that LS002 rewrites in the same run."""
        if read is None or not ev.is_sm_name(read.name):
            return False
        if self.owns(read.name):  # type: ignore[arg-type]
            return True
        return read.name in ev.MODEL_NAMES and "LS002" in self.ctx.selected_rules

    def _enter_read(self, node: cst.BaseExpression) -> None:
        if self._handled(self._env_read(node)):
            self._owned_reads += 1

    def _leave_read(self, node: cst.BaseExpression) -> None:
        if self._handled(self._env_read(node)):
            self._owned_reads -= 1

    def _sweep_string(self, value: str) -> None:
        if self.unsupported_imports is None or self._owned_reads or self._prose_depth:
            return
        if value.strip().startswith("SM_") and SM_NAME_IN_TEXT.search(value):
            name = value.strip().split()[0]
            self.todo(f"{name} is a SageMaker variable and is not set on Vertex AI")

    def _default_code(self, default: cst.BaseExpression | None) -> str | None:
        if default is None:
            return None
        value = string_value(default)
        if value is not None and value.startswith(ev.OPT_ML):
            return None
        if isinstance(default, cst.Name) and default.value == "None":
            return None
        return ev.code_of(default)

    def _read_replacement(self, read: ev.EnvRead) -> cst.BaseExpression | None:
        assert read.name is not None
        default_code = self._default_code(read.default)
        default_node = None if default_code is None else read.default
        required = read.style == "environ_subscript"
        code, todo = ev.replacement(read.name, self.ctx, default_node, required)
        if todo:
            self.todo(todo)
        return None if code is None else self.parse(code)

    # --- docstrings and help texts are prose, not reads -------------------------------------
    def visit_Expr(self, node: cst.Expr) -> bool:
        if isinstance(node.value, cst.SimpleString | cst.ConcatenatedString):
            self._prose_depth += 1
        return True

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
        if isinstance(original_node.value, cst.SimpleString | cst.ConcatenatedString):
            self._prose_depth -= 1
        return updated_node

    def visit_Arg(self, node: cst.Arg) -> bool:
        if _is_help(node):  # add_argument(help="... /opt/ml/model ...") is prose too
            self._prose_depth += 1
        return True

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if _is_help(original_node):
            self._prose_depth -= 1
        return updated_node

    # --- reads ------------------------------------------------------------------------------
    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        self._leave_read(original_node)
        return self._maybe_read(original_node, updated_node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        self._leave_read(original_node)
        func = original_node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_argument":
            self.flags.update(flags_of(original_node))
            return self._argument(original_node, updated_node)
        return self._maybe_read(original_node, updated_node)

    def _maybe_read(self, original: cst.BaseExpression, updated: cst.BaseExpression):
        if id(original) in self._argument_defaults:
            return updated  # the whole argument is rewritten in leave_Call
        if id(original) in self._written:
            # os.environ["SM_HOSTS"] = …: a write, not a read (a call cannot be assigned to)
            read = self._env_read(original)
            if read is not None and ev.is_sm_name(read.name) and self.code == "LS003":
                self.todo(
                    f"sets {read.name} for code that reads it; Vertex AI sets no SM_* "
                    "variables, so check what reads it"
                )
            return updated
        read = self._env_read(original)
        if read is None:
            return updated
        if read.name is None:
            key = original.slice[0].slice if isinstance(original, cst.Subscript) else None
            key = key.value if isinstance(key, cst.Index) else None
            if key is None and isinstance(original, cst.Call):
                key = original.args[0].value
            text = bare_code(key) if key is not None else ""
            built = (
                ev.built_read(key, self.ctx) if key is not None and self.code == "LS003" else None
            )
            if built is not None and read.style != "helper":
                return self.parse(built)
            if self.code == "LS003" and BUILT_SM_NAME.search(text):
                self.todo(
                    "environment variable name built at run time; pass the value as an "
                    "argument instead (Vertex AI sets no SM_* variables)"
                )
            return updated
        if not ev.is_sm_name(read.name) or not self.owns(read.name):
            return updated
        new = self._read_replacement(read)
        return updated if new is None else new

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.BaseExpression:
        if id(original_node) in self._argument_defaults:
            return updated_node
        raw = original_node.value
        if "SM_" not in raw and ev.OPT_ML not in raw:
            return updated_node  # evaluating every literal would cost a compile() each
        value = string_value(original_node)
        if value is not None:
            self._sweep_string(value)
        if self._prose_depth or value is None:
            return updated_node
        if not value.startswith(ev.OPT_ML):
            if self.code == "LS003" and OTHER_OPT_ML.search(COMMAND_MODEL_DIR.sub("", value)):
                if "LS002" in self.ctx.selected_rules and COMMAND_MODEL_DIR.search(value):
                    # LS002 makes this an f-string around the model folder: the same TODO the
                    # f-string gets on a later run, so a rerun changes nothing
                    self.todo(BUILT_OPT_ML_TODO)
                else:  # "ls -lR /opt/ml/input": a command or message naming the layout
                    self.todo(EMBEDDED_OPT_ML_TODO)
            return self._model_folder_in_command(original_node, value) or updated_node
        if value.rstrip("/") != ev.OPT_ML and not value.startswith(ev.OPT_ML + "/"):
            return updated_node
        code, owner = ev.opt_ml_replacement(value, self.ctx)
        if owner != self.code:
            return updated_node
        if code is None:
            self.todo(f"{value} is a SageMaker container path with no Vertex AI equivalent")
            return updated_node
        return self.parse(code)

    def _model_folder_in_command(
        self, node: cst.SimpleString, value: str
    ) -> cst.BaseExpression | None:
        """``"python train.py --project /opt/ml/model"``: a command line (or argument list
        text) naming the model folder gets the model folder instead, as an f-string (an atom:
        ``"mkdir /opt/ml/model/code".split()`` keeps working), and a TODO, since the program
        it runs decides what is written there."""
        if self.code != "LS002" or "b" in node.prefix.lower():
            return None
        if not COMMAND_MODEL_DIR.search(value):
            return None
        folder = ev.model_dir_code("'model'").replace('"', "'")
        pieces = COMMAND_MODEL_DIR.split(value)
        text = "{" + folder + "}"
        escaped = [
            json.dumps(piece, ensure_ascii=False)[1:-1].replace("{", "{{").replace("}", "}}")
            for piece in pieces
        ]
        self.todo(COMMAND_MODEL_DIR_TODO)
        return self.parse('f"' + text.join(escaped) + '"')

    # --- "SM_X" in os.environ: on Vertex AI the branch must still be reachable ----------
    def _guard(self, node: cst.Comparison) -> tuple[str, bool] | None:
        """(variable, negated) for ``"SM_X" in os.environ`` / ``not in``."""
        if len(node.comparisons) != 1:
            return None
        target = node.comparisons[0]
        if not isinstance(target.operator, cst.In | cst.NotIn):
            return None
        if not ev.is_environ(target.comparator, self.names):
            return None
        name = string_value(node.left)
        if not ev.is_sm_name(name):
            return None
        return name, isinstance(target.operator, cst.NotIn)  # type: ignore[return-value]

    def visit_Comparison(self, node: cst.Comparison) -> bool:
        guard = self._guard(node)
        if guard is not None and self._handled(ev.EnvRead(guard[0], None, "guard")):
            self._argument_defaults.add(id(node.left))  # not a stray SM_ string
        return True

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        guard = self._guard(original_node)
        if guard is None or not self.owns(guard[0]):
            return updated_node
        code = ev.guard_code(guard[0], self.ctx, negated=guard[1])
        return self.parse(code).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        self._fstring_quotes.pop()
        text = bare_code(original_node)
        if self.code == "LS003" and ev.OPT_ML in text:
            self.todo(BUILT_OPT_ML_TODO)
        return updated_node

    # --- argparse ---------------------------------------------------------------------------
    def _argument_variable(self, default_arg: cst.Arg | None) -> str | None:
        """The SageMaker variable an argparse default stands for (a read or an /opt/ml path)."""
        if default_arg is None:
            return None
        read = self._env_read(default_arg.value)
        if read is not None:
            return read.name
        literal = string_value(default_arg.value)
        if literal and literal.rstrip("/") == ev.OPT_ML + "/model":
            return "SM_MODEL_DIR"
        if literal and literal.startswith(ev.OPT_ML + "/input/data/"):
            channel = literal[len(ev.OPT_ML + "/input/data/") :].split("/")[0]
            return "SM_CHANNEL_" + channel.upper()
        return None

    def _rewrites_argument(self, name: str) -> bool:
        if name == "SM_MODEL_DIR":
            return self.code == "LS002"
        return name.startswith("SM_CHANNEL_") and self.code == "LS003"

    def _argument(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        default_arg = find_keyword(original, "default")
        read = self._env_read(default_arg.value) if default_arg else None
        flags = flags_of(original)
        name = self._argument_variable(default_arg)
        if name == "SM_MODEL_DIR" and self.code == "LS002":
            return self._model_dir_argument(original, updated, read)
        if name and name.startswith("SM_CHANNEL_") and self.code == "LS003":
            return self._channel_argument(updated, name, read)
        if self._is_own_channel_flag(flags) and _is_str_type(updated):
            # the script's own flag for a channel (its default read no SM_* variable we
            # know): it now receives gs:// URIs, which the FUSE mount serves as folders
            return wrap_long_call(set_keyword(updated, "type", self.path_type()), self.indent)
        # TF script mode's --model_dir is an S3 URI for checkpoints, not the export dir:
        # on Vertex AI it becomes the checkpoint directory.
        if (
            self.code == "LS002"
            and "--model_dir" in flags
            and name is None
            and (
                default_arg is None
                or (isinstance(default_arg.value, cst.Name) and default_arg.value.value == "None")
            )
        ):
            value = self.parse('os.environ.get("AIP_CHECKPOINT_DIR")')
            # SageMaker passed it; the Vertex AI backends do not: it cannot stay required
            new = drop_keyword(updated, "required")
            return wrap_long_call(set_keyword(new, "default", value), self.indent)
        return updated

    def _model_folder_type(self) -> cst.Name:
        """``_liftshift_path``, or ``_liftshift_model_folder`` (which also creates the folder,
        as SageMaker's /opt/ml/model always existed) when the file never creates folders
        itself nor saves with TensorFlow (whose savers create it)."""
        source = self.fctx.source or ""
        if self.fctx.source is None or (
            any(word in source for word in FOLDER_WORDS) and CREATES_FOLDERS.search(source)
        ):
            return self.path_type()
        self.helpers.add("_liftshift_model_folder")
        self.changed = True
        return cst.Name("_liftshift_model_folder")

    def _is_own_channel_flag(self, flags: list[str]) -> bool:
        if self.code != "LS003" or not self.fctx.is_entry or self.ctx.data_access != "fuse":
            return False
        own = {channel.argument for channel in self.ctx.channels if channel.argument}
        return bool(own.intersection(flags)) and any(
            flag in self.ctx.added_arguments.values() for flag in flags
        )

    def _model_dir_argument(
        self, original: cst.Call, updated: cst.Call, read: ev.EnvRead | None
    ) -> cst.Call:
        old_dest = dest_of(original)
        fallback = self._default_code(read.default) if read is not None else None
        new = updated
        flags = flags_of(original)
        self.flags.add("--job-dir")
        if "--job-dir" not in flags:
            positions = [
                index
                for index, arg in enumerate(new.args)
                if arg.keyword is None and string_value(arg.value) in flags
            ]
            at = positions[-1] + 1 if positions else 0
            flag = cst.Arg(value=self.parse('"--job-dir"'))
            new = new.with_changes(args=insert_arg(list(new.args), at, flag))
        new = set_keyword(new, "dest", self.parse('"job_dir"'))
        default = f'os.environ.get("AIP_MODEL_DIR", {fallback or json.dumps("model")})'
        new = set_keyword(new, "default", self.parse(default))
        if _is_str_type(new):
            new = set_keyword(new, "type", self._model_folder_type())
        if old_dest and old_dest != "job_dir":
            self.renames[old_dest] = "job_dir"
        return wrap_long_call(new, self.indent)

    def _channel_argument(self, updated: cst.Call, name: str, read: ev.EnvRead | None) -> cst.Call:
        channel = name[len("SM_CHANNEL_") :].lower()
        fallback = self._default_code(read.default) if read is not None else None
        if read is not None and read.style == "environ_subscript":
            # os.environ[...] failed without the variable: the flag stays required (the
            # backends pass it), rather than a None default that reads the working folder
            new = drop_keyword(updated, "default")
            new = set_keyword(new, "required", self.parse("True"))
        else:
            new = set_keyword(updated, "default", self.parse(fallback or "None"))
        if self.ctx.data_access == "fuse" and _is_str_type(new):
            new = set_keyword(new, "type", self.path_type())
        long = [flag for flag in flags_of(updated) if flag.startswith("--")]
        if long:
            self.ctx.added_arguments.setdefault(channel, long[0])
        return wrap_long_call(new, self.indent)


class AliasJobDir(cst.CSTTransformer):
    """``add_argument("--model-dir", ...)`` → ``add_argument("--model-dir", "--job-dir", ...)``:
    the script keeps its own ``dest`` and the backends' ``--job-dir`` lands in it (a new
    ``--job-dir`` beside it would be a flag nothing reads)."""

    def __init__(self, flag: str, quote: str, indent: str) -> None:
        super().__init__()
        self.flag = flag
        self.quote = quote
        self.indent = indent
        self.done = False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = original_node.func  # (plain checks: a libcst matcher costs ~50x as much)
        if self.done or not (isinstance(func, cst.Attribute) and func.attr.value == "add_argument"):
            return updated_node
        flags = flags_of(original_node)
        if self.flag not in flags or "--job-dir" in flags:
            return updated_node
        positions = [
            index
            for index, arg in enumerate(updated_node.args)
            if arg.keyword is None and string_value(arg.value) in flags
        ]
        job_dir = cst.Arg(value=parse_expr('"--job-dir"', self.quote))
        args = insert_arg(list(updated_node.args), positions[-1] + 1, job_dir)
        new = updated_node.with_changes(args=args)
        if _is_str_type(new):
            new = set_keyword(new, "type", cst.Name("_liftshift_model_folder"))
        self.done = True
        return wrap_long_call(new, self.indent)


class RenameArgs(cst.CSTTransformer):
    """``args.model_dir`` → ``args.job_dir`` on the names that hold the parsed arguments."""

    def __init__(self, renames: dict[str, str], holders: set[str]) -> None:
        super().__init__()
        self.renames = renames
        self.holders = holders

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if (
            isinstance(updated_node.value, cst.Name)
            and updated_node.value.value in self.holders
            and updated_node.attr.value in self.renames
        ):
            return updated_node.with_changes(attr=cst.Name(self.renames[updated_node.attr.value]))
        return updated_node


class AddArguments(cst.CSTTransformer):
    """Insert ``parser.add_argument(...)`` lines after the parser's last one."""

    def __init__(self, parser: str, statements: list[cst.BaseStatement]) -> None:
        super().__init__()
        self.parser = parser
        self.statements = statements
        self.done = False

    def _adds_argument(self, statement: cst.BaseStatement) -> bool:
        """Whether the line is ``<parser>.add_argument(...)`` alone (plain checks: a libcst
        matcher costs 30 to 60 times as much, and this runs on every line of the file)."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return False
        line = statement.body[0]
        if not isinstance(line, cst.Expr) or not isinstance(line.value, cst.Call):
            return False
        func = line.value.func
        return (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == self.parser
            and func.attr.value == "add_argument"
        )

    def _insert(self, body: list[cst.BaseStatement]) -> list[cst.BaseStatement] | None:
        last = None
        for index, statement in enumerate(body):
            if self._adds_argument(statement):
                last = index
        if last is None:
            return None
        return [*body[: last + 1], *self.statements, *body[last + 1 :]]

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if self.done:
            return updated_node
        body = self._insert(list(updated_node.body))
        if body is None:
            return updated_node
        self.done = True
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if self.done:
            return updated_node
        body = self._insert(list(updated_node.body))
        if body is None:
            return updated_node
        self.done = True
        return updated_node.with_changes(body=body)


def _is_help(node: cst.Arg) -> bool:
    return node.keyword is not None and node.keyword.value == "help"
