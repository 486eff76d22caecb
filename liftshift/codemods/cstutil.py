"""Small libcst building blocks the rules share: style-preserving literals, argument lists,
imports, and attaching TODOs to the statement being rewritten."""

from __future__ import annotations

import functools
import re

import libcst as cst

from liftshift.codemods.base import TODO_PREFIX, add_todo
from liftshift.codemods.codegen import bare_code

SINGLE_QUOTED = re.compile(r"'[^'\n]*'")
DOUBLE_QUOTED = re.compile(r'"[^"\n]*"')


def preferred_quote(module: cst.Module, source: str | None = None) -> str:
    """The quote the file mostly uses, so new literals look like the rest of it. With the
    file's text at hand a regex count is enough (and saves a walk of the tree)."""
    if source is not None:
        return _text_quote(source)
    counts = {"'": 0, '"': 0}

    class _Count(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return not node.name.value.startswith("_liftshift_")  # our helpers, not their style

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if node.quote in counts:
                counts[node.quote] += 1

    module.visit(_Count())
    return "'" if counts["'"] > counts['"'] else '"'


@functools.lru_cache(maxsize=8)
def _text_quote(source: str) -> str:
    """The quote counted in the text; cached, as LS002 and LS003 both ask it of a file."""
    single = len(SINGLE_QUOTED.findall(source))
    double = len(DOUBLE_QUOTED.findall(source))
    return "'" if single > double else '"'


class _Restyle(cst.CSTTransformer):
    def __init__(self, quote: str) -> None:
        self.quote = quote

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        body = updated_node.value[len(updated_node.prefix) + 1 : -1]
        if updated_node.quote == self.quote or len(updated_node.quote) != 1:
            return updated_node
        if self.quote in body or "\\" in body:
            return updated_node
        return updated_node.with_changes(
            value=f"{updated_node.prefix}{self.quote}{body}{self.quote}"
        )


def parse_expr(code: str, quote: str = '"') -> cst.BaseExpression:
    node = cst.parse_expression(code)
    return node.visit(_Restyle(quote)) if quote != '"' else node  # type: ignore[return-value]


def parse_statement(code: str, quote: str = '"') -> cst.BaseStatement:
    node = cst.parse_statement(code)
    return node.visit(_Restyle(quote)) if quote != '"' else node  # type: ignore[return-value]


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    equal = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    return cst.Arg(keyword=cst.Name(name), value=value, equal=equal)


def find_keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def set_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """Replace the value of ``name=`` or append the keyword, keeping the call's layout."""
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    return call.with_changes(args=append_arg(args, keyword(name, value)))


def drop_keyword(call: cst.Call, name: str) -> cst.Call:
    """The call without its ``name=`` argument (the previous argument takes its comma)."""
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            removed = args.pop(index)
            if index == len(args) and args:
                args[-1] = args[-1].with_changes(comma=removed.comma)
            return call.with_changes(args=args)
    return call


def append_arg(args: list[cst.Arg], new: cst.Arg) -> list[cst.Arg]:
    if not args:
        return [new]
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        return [*args, new.with_changes(comma=last.comma)]
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*args[:-1], last.with_changes(comma=comma), new]


def insert_arg(args: list[cst.Arg], index: int, new: cst.Arg) -> list[cst.Arg]:
    """Insert ``new`` before ``args[index]`` (``index == len`` appends)."""
    if index >= len(args):
        return append_arg(args, new)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if index == 0:
        return [new.with_changes(comma=comma), *args]
    previous = args[index - 1]
    return [*args[:index], new.with_changes(comma=previous.comma), *args[index:]]


def add_imports(module: cst.Module, modules: list[str]) -> cst.Module:
    """Add ``import x`` lines the new code needs, through libcst's own visitor."""
    modules = [name for name in modules if name not in top_level_imports(module)]
    if not modules:
        return module
    body = list(module.body)
    last = _last_leading_import(body)
    if last is not None:
        # where libcst's visitor puts them (after the file's import block), without its cost
        # (it resolves every import of the file: about ten parses' worth)
        new = [cst.parse_statement(f"import {name}\n") for name in sorted(modules)]
        return module.with_changes(body=[*body[: last + 1], *new, *body[last + 1 :]])
    # imported here: libcst.codemod (and the matchers it imports) costs ~0.25 CPU-s to import,
    # which every CLI process paid for a path few files take
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for name in modules:
        AddImportsVisitor.add_needed_import(context, name)
    return module.visit(AddImportsVisitor(context))  # type: ignore[return-value]


def _last_leading_import(body: list[cst.BaseStatement]) -> int | None:
    """Index of the last plain import line of the block of imports the file starts with (after
    its docstring); None when there is no such block (the slow, general path then)."""
    last = None
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        small = statement.body
        if all(isinstance(item, cst.Import | cst.ImportFrom) for item in small):
            if any(
                isinstance(item, cst.ImportFrom)
                and item.module is not None
                and dotted_name(item.module) == "__future__"
                for item in small
            ):
                continue
            last = index
            continue
        if index == 0 and isinstance(small[0], cst.Expr):
            continue  # the docstring
        break
    return last


def dotted_name(node: cst.BaseExpression) -> str:
    """``os.path.join`` for an attribute chain of names, "" for anything else (no codegen)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def top_level_imports(module: cst.Module) -> set[str]:
    """Names bound by the module's top-level ``import x`` lines (cheap: no tree walk; libcst's
    AddImportsVisitor costs ten parses, so it only runs when an import is really missing)."""
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is None:
                        node = alias.name
                        while isinstance(node, cst.Attribute):
                            node = node.value
                        if isinstance(node, cst.Name):
                            names.add(node.value)
    return names


class StatementTodos(cst.CSTTransformer):
    """Base transformer that can attach a TODO to the innermost statement being visited."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self._pending: list[list[str]] = []
        self.module_todos: list[str] = []
        self._header: set[str] = set()
        self.todos_added = 0

    def visit_Module(self, node: cst.Module) -> bool:
        # libcst keeps the first statement's leading comments in the module header
        self._header = {line.comment.value for line in node.header if line.comment is not None}
        return True

    def todo(self, message: str) -> None:
        if self._pending:
            if message not in self._pending[-1]:
                self._pending[-1].append(message)
        elif message not in self.module_todos:
            self.module_todos.append(message)

    def _push(self) -> bool:
        self._pending.append([])
        return True

    def _pop(self, node: cst.CSTNode) -> cst.CSTNode:
        for message in self._pending.pop():
            if f"{TODO_PREFIX} {self.code}: {message}" not in self._header:
                new = add_todo(node, self.code, message)
                self.todos_added += new is not node
                node = new
        return node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """TODOs raised outside any statement go to the file's header comments."""
        header = list(updated_node.header)
        for message in self.module_todos:
            text = f"{TODO_PREFIX} {self.code}: {message}"
            if text not in self._header:
                header.append(cst.EmptyLine(comment=cst.Comment(text)))
                self.todos_added += 1
        return updated_node.with_changes(header=header) if self.module_todos else updated_node

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return self._push()

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return self._push()

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]

    def visit_If(self, node: cst.If) -> bool:
        return self._push()

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]

    def visit_For(self, node: cst.For) -> bool:
        return self._push()

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]

    def visit_While(self, node: cst.While) -> bool:
        return self._push()

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]

    def visit_With(self, node: cst.With) -> bool:
        return self._push()

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return self._push()

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.BaseStatement:
        return self._pop(updated_node)  # type: ignore[return-value]


def wrap_long_call(call: cst.Call, indent: str, limit: int = 88) -> cst.Call:
    """One argument per line (black's layout) when a rewritten call got too long for one line;
    calls already spread over lines are left as they are."""
    code = bare_code(call)
    if len(code) <= limit or "\n" in code or not call.args:
        return call

    def newline() -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=True,
            last_line=cst.SimpleWhitespace(indent),
        )

    closing = cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace("")
    )
    args = [arg.with_changes(comma=cst.Comma(whitespace_after=newline())) for arg in call.args]
    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=closing))
    return call.with_changes(whitespace_before_args=newline(), args=args)
