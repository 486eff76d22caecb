"""Running several rules' transformers in one walk of a file's tree.

libcst parses in native code, but walking a tree runs Python for every node, so each full walk
costs about as much as parsing the file again. A rule therefore describes its work as a
:class:`FilePass` (an optional cheap step on the module body, one transformer, and a finishing
step), and the pipeline walks each file once with every selected rule's transformer, in rule
order: for each node, rule N+1's ``leave_*`` gets the node as rule N left it, as if the rules had
run one after another. Rules detect what to rewrite on ``original_node`` and build on
``updated_node``, so none of them depends on seeing another rule's output.
"""

from __future__ import annotations

import functools
import linecache
import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from liftshift.codemods.base import FileContext


@dataclass
class FilePass:
    """One rule's share of the work on one file."""

    transformer: cst.CSTTransformer | None
    finish: Callable[[cst.Module], cst.Module]
    """Steps after the walk (helpers, imports, added arguments); gets the walked module."""
    changed: Callable[[], bool]
    """Whether the rule changed anything (its finish may then still add helpers/imports)."""
    before: Callable[[cst.Module], cst.Module] | None = None
    """A cheap step on the module body, before the walk (it must not need a walk)."""


MakePass = Callable[[cst.Module, FileContext], "FilePass | None"]


def transform_with(make_pass: MakePass) -> Callable[[cst.Module, FileContext], cst.Module]:
    """A rule's stand-alone transform: its pass alone, returning ``module`` itself when the
    rule has nothing to do."""

    def transform(module: cst.Module, fctx: FileContext) -> cst.Module:
        return run_passes(module, fctx, [make_pass])

    return transform


def run_passes(module: cst.Module, fctx: FileContext, makers: list[MakePass]) -> cst.Module:
    """Every rule's pass over ``module`` with a single walk; ``module`` itself if no change."""
    passes = [p for p in (make(module, fctx) for make in makers) if p is not None]
    if not passes:
        return module
    result = module
    for file_pass in passes:
        if file_pass.before is not None:
            result = file_pass.before(result)
    transformers = [p.transformer for p in passes if p.transformer is not None]
    if transformers:
        result = _transform_walk(result, _Fused(transformers))  # type: ignore[assignment]
    if not any(file_pass.changed() for file_pass in passes):
        return module
    for file_pass in passes:
        result = file_pass.finish(result)
    return result


def fast_visit(module: cst.CSTNode, visitor: cst.CSTVisitorT) -> cst.CSTNode:
    """``module.visit(visitor)`` with the cheaper dispatch below (a transformer's result; for a
    read-only visitor, the node itself)."""
    if isinstance(visitor, cst.CSTVisitor):
        _read_only_walk(module, _Fused([visitor]))
        return module
    return _transform_walk(module, _Fused([visitor]))  # type: ignore[return-value]


# Nodes whose descendants can only be whitespace, comments, parentheses and semicolons.
_LEAVES: tuple[type, ...] = (
    cst.Name,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.SimpleString,
    cst.FormattedStringText,
    cst.Ellipsis,
    cst.Pass,
    cst.Break,
    cst.Continue,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.ImportStar,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Comment,
    cst.Newline,
)
# What can be found below a leaf: a hook on any of these turns leaf pruning off.
_TRIVIA: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Comment,
    cst.Newline,
    cst.LeftParen,
    cst.RightParen,
    cst.Semicolon,
)
# Nodes that can hold statements. Expressions never do, so a walk whose hooks are all on these
# types need not go into any other node.
_STRUCTURE: tuple[type, ...] = (
    cst.Module,
    cst.BaseStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)


_LIBCST_BASES = frozenset((*cst.CSTTransformer.__mro__, *cst.CSTVisitor.__mro__))


@functools.cache
def _hooked_types(kind: type) -> frozenset[type]:
    """The node types a visitor or transformer class has its own ``visit_``/``leave_`` for."""
    found = set()
    # libcst's base classes define a no-op hook for every node type: only the names defined
    # in the rule's own classes can be overrides (the check below is the exact one)
    names = {
        name
        for klass in kind.__mro__
        if klass not in _LIBCST_BASES
        for name in vars(klass)
        if name.startswith(("visit_", "leave_"))
    }
    for name in names:
        node_type = getattr(cst, name.split("_", 1)[1], None)
        method = getattr(kind, name)
        if (
            isinstance(node_type, type)
            and method is not getattr(cst.CSTTransformer, name, None)
            and method is not getattr(cst.CSTVisitor, name, None)
        ):
            found.add(node_type)
    return frozenset(found)


@functools.cache
def _walk_tables(kinds: tuple[type, ...]) -> tuple[dict, dict, dict, dict, frozenset[type], dict]:
    """node type → the visit and the leave functions of these transformer classes, node
    type → whether to walk below it (see :func:`_descend_table`), class → whether a walk of
    such a child can be left out (:meth:`_Fused._inert`), filled in as types turn up and
    shared by every walk with the same classes; the node types any of them hooks; and node
    type → all of a node's dispatch at once (:meth:`_Fused._record`)."""
    hooked = frozenset().union(*(_hooked_types(kind) for kind in kinds))
    prune_leaves = not any(issubclass(t, _TRIVIA) for t in hooked)
    statements_only = all(issubclass(t, _STRUCTURE) for t in hooked)
    descend = _descend_table(prune_leaves, statements_only)
    return {}, {}, descend, _inert_table(hooked), hooked, {}


@functools.cache
def _inert_table(hooked: frozenset[type]) -> dict:
    """class → whether a walk of such a child can be left out, shared by every walk whose
    hooks are on the same node types."""
    return {}


@functools.cache
def _descend_table(prune_leaves: bool, statements_only: bool) -> dict:
    """node type → whether to walk below it, shared by every walk with the same pruning (the
    ``None`` key holds the two switches)."""
    return {None: (prune_leaves, statements_only)}


class _Fused(cst.CSTTransformer):
    """Dispatches every node to each transformer (or read-only visitor) in turn. A transformer
    whose ``visit_*`` returns False skips that node's children (as in its own walk) and still
    gets its ``leave_*``.

    libcst's base transformer has a no-op method for every node type and every attribute, and
    its dispatch looks each one up by name on every node; here the methods a rule really
    overrides are looked up once per node type, and attribute hooks (no rule uses them) are
    skipped: most of the cost of a walk is those lookups and calls. The walk also does not go
    below nodes where no hook can fire: the whitespace inside a name or an operator (unless a
    hook is on whitespace), and everything below statements when all hooks are on statements
    and blocks (libcst rebuilds every node it walks into, so these are most of the walk)."""

    def __init__(self, transformers: list[cst.CSTVisitor | cst.CSTTransformer]) -> None:
        super().__init__()
        self.transformers = transformers
        self.skipping: list[cst.CSTNode | None] = [None] * len(transformers)
        kinds = tuple(type(t) for t in transformers)
        (
            self._visits,
            self._leaves,
            self._descend,
            self._inert_table,
            self._hooked,
            self._records,
        ) = _walk_tables(kinds)
        self._skips = 0
        """How many transformers are skipping a subtree now."""
        self._read_only = [isinstance(t, cst.CSTVisitor) for t in transformers]

    def _descends(self, node_type: type) -> bool:
        """Whether a hook can fire anywhere below a node of this type."""
        descend = self._descend.get(node_type)
        if descend is None:
            prune_leaves, statements_only = self._descend[None]  # type: ignore[index]
            descend = not (
                (prune_leaves and issubclass(node_type, _LEAVES))
                or (statements_only and not issubclass(node_type, _STRUCTURE))
            )
            self._descend[node_type] = descend
        return descend

    def _inert(self, kind: type) -> bool:
        """Whether walking a child of this class does nothing: no value at all (None, a
        missing comma), or a node no hook is on and whose children are not walked. Leaving
        such a child out is exact (it comes back as it was, and a transformer skipping a
        subtree waits for the node it skipped, which has a hook)."""
        inert = self._inert_table.get(kind)
        if inert is None:
            if kind is type(None) or kind is cst.MaybeSentinel:
                inert = True
            elif kind in (list, tuple) or not issubclass(kind, cst.CSTNode):
                inert = False
            else:
                _NODE_CLASSES.add(kind)
                inert = kind not in self._hooked and not self._descends(kind)
            self._inert_table[kind] = inert
        return inert

    def _record(self, node_type: type) -> tuple:
        """(visit hooks, whether to walk below, the children's fields, leave hooks) of a node
        type: what the walks ask of every node, in one lookup instead of four lookups and a
        call (a walk of the corpus files takes ~10% less time)."""
        visits = self._hooks("visit", node_type)
        descend = self._descends(node_type)
        kinds = _child_kinds(node_type) if descend else ()
        record = (visits, descend, kinds, self._hooks("leave", node_type))
        self._records[node_type] = record
        return record

    def _hooks(self, kind: str, node_type: type) -> tuple | None:
        """``(index, function)`` for each transformer with a ``visit_``/``leave_`` for this node
        type, in order (called with the transformer first); None when none has one. Only the
        transformers that have a hook are listed: most node types have one or two."""
        cache = self._visits if kind == "visit" else self._leaves
        if node_type in cache:
            return cache[node_type]
        name = f"{kind}_{node_type.__name__}"
        hooks = []
        for index, transformer in enumerate(self.transformers):
            base = getattr(
                cst.CSTVisitor if isinstance(transformer, cst.CSTVisitor) else cst.CSTTransformer,
                name,
                None,
            )
            method = getattr(type(transformer), name, None)
            if method is not base:
                hooks.append((index, method))
        found = tuple(hooks) if hooks else None
        cache[node_type] = found
        return found

    def on_visit(self, node: cst.CSTNode) -> bool:
        node_type = type(node)
        hooks = (
            self._visits[node_type]
            if node_type in self._visits
            else self._hooks("visit", node_type)
        )
        if hooks is not None:
            self._visit(node, hooks)
        descend = self._descend.get(node_type)
        return self._descends(node_type) if descend is None else descend

    def _visit(self, node: cst.CSTNode, hooks: tuple) -> None:
        skipping = self.skipping
        for index, hook in hooks:
            if skipping[index] is None and hook(self.transformers[index], node) is False:
                skipping[index] = node
                self._skips += 1

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel:
        node_type = type(original_node)
        hooks = (
            self._leaves[node_type]
            if node_type in self._leaves
            else self._hooks("leave", node_type)
        )
        if hooks is None and not self._skips:
            return updated_node
        return self._leave(original_node, updated_node, hooks)

    def _leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode, hooks: tuple | None
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel:
        result: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel = updated_node
        if self._skips:
            hooks = self._end_skips(original_node, hooks)
        for index, hook in hooks:  # type: ignore[union-attr]  (None only while skipping)
            if self._read_only[index]:
                hook(self.transformers[index], original_node)
                continue
            if result.__class__ not in _NODE_CLASSES and not _is_node(result):
                break  # removed or flattened: the next rules have nothing left to see
            result = hook(self.transformers[index], original_node, result)
        return result

    def _end_skips(self, original_node: cst.CSTNode, hooks: tuple | None) -> tuple:
        """The ``leave_*`` hooks to call while some transformer skips a subtree: a skip ends at
        the node that began it, and a transformer still skipping gets no ``leave_*`` here."""
        by_index = dict(hooks) if hooks is not None else {}
        called = []
        for index in range(len(self.transformers)):
            skipped = self.skipping[index]
            if skipped is not None:
                if skipped is not original_node:
                    continue
                self.skipping[index] = None
                self._skips -= 1
            if index in by_index:
                called.append((index, by_index[index]))
        return tuple(called)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def _read_only_walk(node: cst.CSTNode, dispatch: _Fused) -> None:
    """libcst's walk for a read-only visitor, minus its rebuilding of every node it walks into
    (a visitor's walk in libcst costs as much as a transformer's)."""
    node_type = type(node)
    record = dispatch._records.get(node_type)
    if record is None:
        record = dispatch._record(node_type)
    hooks, descend, kinds, leave_hooks = record
    if hooks is not None:
        dispatch._visit(node, hooks)
    if descend:
        if kinds is None:
            node._visit_and_replace_children(dispatch)  # libcst calls the hooks below
            kinds = ()
        inert = dispatch._inert_table
        for name, _helper in kinds:
            value = getattr(node, name)
            kind = value.__class__
            if kind is tuple and not value:
                continue  # (most fields that hold a sequence are empty: parentheses)
            if inert[kind] if kind in inert else dispatch._inert(kind):
                continue
            if kind in _NODE_CLASSES:
                _read_only_walk(value, dispatch)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    kind = item.__class__
                    if inert[kind] if kind in inert else dispatch._inert(kind):
                        continue
                    if kind in _NODE_CLASSES or _is_node(item):
                        _read_only_walk(item, dispatch)
            elif _is_node(value):
                _read_only_walk(value, dispatch)
    if leave_hooks is not None or dispatch._skips:
        dispatch._leave(node, node, leave_hooks)


_NODE_CLASSES: set[type] = set()
"""The node classes met so far: a set lookup instead of ``isinstance(value, cst.CSTNode)``
(an abstract class, so that check goes through ``ABCMeta`` on every child of every node)."""


def _is_node(value: object) -> bool:
    if value is None or value.__class__ is cst.MaybeSentinel:
        return False
    if isinstance(value, cst.CSTNode):
        _NODE_CLASSES.add(value.__class__)
        return True
    return False


_CHILD_KIND = re.compile(r'(visit_\w+)\(\s*self,\s*"(\w+)"')
_ANY_VISIT = re.compile(r"(?<!_)visit_\w+\(")


def _function_source(function: object) -> str | None:
    """The lines of a function's source, from its ``def`` to the last line its code covers
    (what ``inspect.getsource`` gives, without tokenizing the file again for each function:
    ~0.5 ms per node type, paid by the first files of a run)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    lines = linecache.getlines(code.co_filename)
    ends = [end for _, end, _, _ in code.co_positions() if end is not None]
    if not lines or not ends:
        return None
    return "".join(lines[code.co_firstlineno - 1 : max(ends)])


@functools.cache
def _child_kinds(node_type: type) -> tuple[tuple[str, str], ...] | None:
    """(field, libcst helper that visits it), in the order libcst's own walk visits a node
    type's children, read off its ``_visit_and_replace_children`` (every node class spells
    them out there). None when that cannot be read with certainty: walk it libcst's way."""
    source = _function_source(getattr(node_type, "_visit_and_replace_children", None))
    if source is None:
        return None
    found = _CHILD_KIND.findall(source)
    if len(found) != len(_ANY_VISIT.findall(source)):
        return None
    kinds: dict[str, str] = {}
    for helper, name in found:
        kinds.setdefault(name, helper)
    return tuple(kinds.items())


def _transform_walk(node: cst.CSTNode, dispatch: _Fused) -> object:
    """libcst's transformer walk (same hooks, same order, same removal and flattening rules),
    except that a node whose children all come back unchanged is kept as it is instead of
    being rebuilt: most nodes of a file are not touched by any rule, and rebuilding (with
    libcst's validation) is most of the cost of a walk. The dispatch of :meth:`_Fused.on_visit`
    and :meth:`_Fused.on_leave` is done here, inline: this runs for every node of every file."""
    node_type = type(node)
    record = dispatch._records.get(node_type)
    if record is None:
        record = dispatch._record(node_type)
    hooks, descend, kinds, leave_hooks = record
    if hooks is not None:
        dispatch._visit(node, hooks)
    updated = node
    if descend:
        changes: dict[str, object] | None = None  # made at the first child that changed
        if kinds is None:
            updated = node._visit_and_replace_children(dispatch)  # libcst calls the hooks below
            kinds = ()
        inert = dispatch._inert_table
        for name, helper in kinds:
            value = getattr(node, name)
            kind = value.__class__
            if kind is tuple and not value:
                continue  # (most fields that hold a sequence are empty: parentheses)
            if inert[kind] if kind in inert else dispatch._inert(kind):
                continue
            if kind in _NODE_CLASSES or (not isinstance(value, (list, tuple)) and _is_node(value)):
                result = _transform_walk(value, dispatch)
                if result is value:
                    continue
                if isinstance(result, cst.FlattenSentinel):
                    raise TypeError(f"a {type(value).__name__} here cannot become a sequence")
                if isinstance(result, cst.RemovalSentinel):
                    if helper == "visit_optional":
                        result = None
                    elif helper == "visit_sentinel":
                        result = cst.MaybeSentinel.DEFAULT
                    else:
                        raise TypeError(f"a {type(value).__name__} here cannot be removed")
                if changes is None:
                    changes = {}
                changes[name] = result
            elif value and isinstance(value, (list, tuple)):  # (most are empty: parentheses)
                items = _transform_items(value, dispatch, helper == "visit_body_sequence")
                if items is not None:
                    if changes is None:
                        changes = {}
                    changes[name] = items
        if changes:
            updated = node.with_changes(**changes)
    if leave_hooks is None and not dispatch._skips:
        return updated
    result = dispatch._leave(node, updated, leave_hooks)
    if result is not updated and not isinstance(
        result, (cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel)
    ):
        raise cst.CSTValidationError(f"a hook returned {type(result).__name__}, not a node")
    return result


def _transform_items(
    items: list | tuple, dispatch: _Fused, body: bool
) -> tuple[cst.CSTNode, ...] | None:
    """A sequence field walked like libcst's ``visit_sequence``/``visit_body_sequence``;
    None when every item came back as it was."""
    out: list[cst.CSTNode] | None = None  # made at the first item that changed
    inert = dispatch._inert_table
    for index, item in enumerate(items):
        kind = item.__class__
        if inert[kind] if kind in inert else dispatch._inert(kind):
            if out is not None:
                out.append(item)
            continue
        result = _transform_walk(item, dispatch)
        if result is item:
            if out is not None:
                out.append(item)
            continue
        if out is None:
            out = list(items[:index])
        if isinstance(result, cst.RemovalSentinel):
            continue
        for new in result if isinstance(result, cst.FlattenSentinel) else (result,):
            # a block line whose contents were all removed goes too (libcst's rule)
            if body and not item._is_removable() and new._is_removable():
                continue
            out.append(new)
    return tuple(out) if out is not None else None
