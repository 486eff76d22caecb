"""The check after the rules: the migrated entry point reads what the backends pass.

The backends run ``python -m trainer.task --<hyperparameter> v … <channel flag> <folder> …
--job-dir <model folder>`` (liftshift.trainer.jobs.trainer_args; a one-letter hyperparameter is
``-C v``, as on SageMaker). A migration that leaves the entry point without a parser for one of
those flags (argparse exits 2 on it, or ``parse_known_args`` drops it and the script trains on
nothing), or reading an ``args.<name>`` no argument defines (AttributeError after training), has
not migrated the project, whatever its diff looks like. Such a result is an error of the migration,
not a hunk to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from liftshift.codemods.base import string_value
from liftshift.codemods.cstutil import dotted_name
from liftshift.codemods.passes import fast_visit
from liftshift.codemods.scriptflags import declared_arguments

READ_HELPERS = frozenset({"_liftshift_arg", "_liftshift_required_arg"})


@dataclass
class EntryFlags:
    """What one walk of the migrated entry point says about its command line."""

    declared: set[str] = field(default_factory=set)
    dests: set[str] = field(default_factory=set)
    helper_flags: set[str] = field(default_factory=set)
    """Flags read straight from ``sys.argv`` by the inserted helpers."""
    reads: dict[str, int] = field(default_factory=dict)
    """``args.<name>`` → how many times it is read."""
    required: list[tuple[str, ...]] = field(default_factory=list)
    """The flags of each ``required=True`` argument."""
    has_parser: bool = False
    strict: bool = False
    """``parse_args()`` (unknown flags are fatal) rather than ``parse_known_args()``."""
    opaque: bool = False
    """Arguments built in ways a reader cannot follow (loops, parents, sub-commands)."""


class _Collect(cst.CSTVisitor):
    def __init__(self, found: EntryFlags) -> None:
        self.found = found
        self.holders: set[str] = set()
        self.parse_functions: set[str] = set()
        self.functions: list[str] = []
        self.assigned: set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        if self.functions and _parse_call(node.value) is not None:
            self.parse_functions.add(self.functions[-1])

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        produces = _parse_call(value) is not None or (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value in self.parse_functions
        )
        for target in node.targets:
            first = target.target
            if produces:
                if isinstance(first, cst.Tuple) and first.elements:
                    first = first.elements[0].value
                if isinstance(first, cst.Name):
                    self.holders.add(first.value)
            elif isinstance(first, cst.Attribute) and isinstance(first.value, cst.Name):
                self.assigned.add(first.attr.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else dotted_name(func)
        if name == "add_argument":
            self._argument(node)
        elif name in ("parse_args", "parse_known_args"):
            self.found.strict = self.found.strict or name == "parse_args"
        elif name in ("add_subparsers", "set_defaults") or name == "parse_intermixed_args":
            self.found.opaque = True
        elif name in READ_HELPERS and node.args:
            self.found.helper_flags.update(_read_flags(node.args[0].value))
        if name == "ArgumentParser" and any(
            arg.keyword is not None and arg.keyword.value == "parents" for arg in node.args
        ):
            self.found.opaque = True

    def _argument(self, node: cst.Call) -> None:
        self.found.has_parser = True
        flags = []
        for arg in node.args:
            if arg.keyword is None and not arg.star:
                value = string_value(arg.value)
                if value is None:
                    self.found.opaque = True
                    return
                flags.append(value)
            elif arg.star:
                self.found.opaque = True
                return
        dest = next(
            (
                string_value(arg.value)
                for arg in node.args
                if arg.keyword is not None and arg.keyword.value == "dest"
            ),
            None,
        )
        self.found.declared.update(flag for flag in flags if flag.startswith("-"))
        if any(
            arg.keyword is not None
            and arg.keyword.value == "required"
            and isinstance(arg.value, cst.Name)
            and arg.value.value == "True"
            for arg in node.args
        ):
            self.found.required.append(tuple(flag for flag in flags if flag.startswith("-")))
        long = [flag for flag in flags if flag.startswith("--")]
        chosen = dest or (long[0] if long else (flags[0] if flags else ""))
        self.found.dests.add(chosen.lstrip("-").replace("-", "_"))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value.startswith("_"):
            return  # args.__dict__, args._get_kwargs(): the namespace's own
        if isinstance(node.value, cst.Name) and node.value.value in self.holders:
            reads = self.found.reads
            reads[node.attr.value] = reads.get(node.attr.value, 0) + 1


def _read_flags(node: cst.BaseExpression) -> set[str]:
    """The flags a helper call reads: ``"--train"``, or each value of the table a name built at
    run time is looked up in (``{"train": "--train"}.get(str(channel).lower())``)."""
    flag = string_value(node)
    if flag:
        return {flag}
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    if not isinstance(node, cst.Dict):
        return set()
    values = (
        string_value(element.value)
        for element in node.elements
        if isinstance(element, cst.DictElement)
    )
    return {value for value in values if value and value.startswith("-")}


def _parse_call(node: cst.BaseExpression | None) -> cst.Call | None:
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("parse_args", "parse_known_args")
    ):
        return node
    return None


def entry_flags(module: cst.Module) -> EntryFlags:
    found = EntryFlags()
    collector = _Collect(found)
    fast_visit(module, collector)
    for name in collector.assigned:
        found.dests.add(name)
    return found


@dataclass(frozen=True)
class FlagProblem:
    line: int
    message: str


HELPER_FLAG = re.compile(r"_liftshift_\w*arg\(\s*['\"](-[\w-]+)['\"]")
HELPER_TABLE = re.compile(r"_liftshift_\w*arg\(\s*\{([^{}]*)\}")
"""A flag looked up in a table at run time: ``_liftshift_arg({"train": "--train"}.get(…))``."""
TABLE_FLAG = re.compile(r":\s*['\"](-[\w-]+)['\"]")


def helper_flags(code: str) -> set[str]:
    """Flags the inserted helpers read from ``sys.argv`` in this text."""
    found = set(HELPER_FLAG.findall(code))
    for table in HELPER_TABLE.findall(code):
        found.update(TABLE_FLAG.findall(table))
    return found


PARSE_HOLDER = re.compile(
    r"^[ \t]*(\w+)\s*(?:,\s*\w+\s*)?=\s*[\w.]+\.parse(?:_known)?_args\(", re.M
)
PARSE_CALL = re.compile(r"\.parse(?:_known)?_args\(")
"""The end of every PARSE_HOLDER match (a literal: found ~10x faster than PARSE_HOLDER)."""


def parse_holders(code: str) -> list[str]:
    """Exactly ``PARSE_HOLDER.findall(code)``, trying PARSE_HOLDER only on the stretch before
    each PARSE_CALL: a match holds nothing but word characters, whitespace, ``,``, ``=`` and
    ``.`` before its ``(``, so it lies in the run of such characters that ends at that call,
    and one run ends at one call (so there is one match per run at most, as in ``findall``)."""
    holders: list[str] = []
    for call in PARSE_CALL.finditer(code):
        start = call.start()
        while start and _in_holder_line(code[start - 1]):
            start -= 1
        found = PARSE_HOLDER.search(code, start, call.end())
        if found is not None:
            holders.append(found.group(1))
    return holders


def _in_holder_line(char: str) -> bool:
    """Whether PARSE_HOLDER can match this character before its ``(``: ``\\w``, ``\\s``, ``,``,
    ``=`` or ``.`` (``str.isalnum``/``isspace`` are what ``\\w``/``\\s`` test)."""
    return char.isalnum() or char.isspace() or char in "_,=."


PARSE_FUNCTION = re.compile(r"def (\w+)\([^)]*\)[^:]*:(?:(?!\ndef ).)*?return\s+\w+\.parse", re.S)
PARSE_RETURN = re.compile(r"return\s+\w+\.parse")
"""The end of every PARSE_FUNCTION match: without it in the text (the usual case) there is none,
and PARSE_FUNCTION's scan of every function body to the next ``def`` is skipped."""
DEST = re.compile(r"\bdest\s*=\s*['\"](\w+)['\"]")
REQUIRED = re.compile(r"\brequired\s*=\s*True\b")
OPAQUE = re.compile(r"add_subparsers|set_defaults|parents\s*=|parse_intermixed_args")
OPAQUE_WORDS = ("add_subparsers", "set_defaults", "parents", "parse_intermixed_args")
"""An OPAQUE match holds one of these: `in` rules most files out ~10x faster than the search."""


def attribute_reads(holder: str, code: str) -> list[str]:
    """Exactly ``re.findall(rf"\\b{holder}\\.([A-Za-z]\\w*)", code)`` for a name ``holder``
    (word characters): the pattern without its leading ``\\b`` has a literal prefix, which the
    regex engine finds ~10x faster, and each hit is then kept only at a word boundary (a miss
    resumes one character on, as the ``\\b`` search would, so no match is skipped)."""
    pattern = re.compile(rf"{holder}\.([A-Za-z]\w*)")
    names: list[str] = []
    position = 0
    while (found := pattern.search(code, position)) is not None:
        start = found.start()
        before = code[start - 1] if start else ""
        if before.isalnum() or before == "_":  # a word character: no boundary here
            position = start + 1
            continue
        names.append(found.group(1))
        position = found.end()
    return names


def _quick_check(
    code: str, passed: list[tuple[str, str]], other_sources: list[str], supplied: set[str]
) -> bool:
    """True when the text alone shows the entry point is fine (the usual case): the walk that
    would say exactly what is wrong is then not needed. False means "look closer"."""
    arguments = declared_arguments(code)
    if code.count("add_argument(") != len(arguments):
        return False
    if any(word in code for word in OPAQUE_WORDS) and OPAQUE.search(code):
        return False
    declared = {flag for argument in arguments for flag in argument.flags}
    given = {flag for flag, _ in passed} | set(supplied)
    for argument in arguments:
        if REQUIRED.search(argument.body) and not given.intersection(argument.flags):
            return False
    strict = "parse_args(" in code
    read = helper_flags(code)
    for text in other_sources:
        read.update(helper_flags(text))
    for flag, _ in passed:
        if flag in declared:
            continue
        if flag == "--job-dir" and not (arguments and strict):
            continue
        if flag not in read or (arguments and strict):
            return False
    if not arguments:
        return True
    dests = set()
    for argument in arguments:
        named = DEST.search(argument.body)
        dests.add(named.group(1) if named else argument.long_flag.lstrip("-").replace("-", "_"))
    holders = set(parse_holders(code))
    functions = PARSE_FUNCTION.findall(code) if PARSE_RETURN.search(code) else []
    for function in functions:
        holders.update(re.findall(rf"^[ \t]*(\w+)\s*(?:,\s*\w+\s*)?=\s*{function}\(", code, re.M))
    for holder in holders:
        for name in attribute_reads(holder, code):
            if name not in dests and not re.search(rf"\b{holder}\.{name}\s*=[^=]", code):
                return False
    return True


def check_entry(
    module: cst.Module,
    code: str,
    passed: list[tuple[str, str]],
    other_sources: list[str],
    supplied: set[str] | None = None,
) -> list[FlagProblem]:
    """Problems with the flags the backends pass (``(flag, what it carries)``) and the
    ``args.<name>`` reads of the migrated entry point ``module`` (whose text is ``code``).
    ``other_sources``: the other trainer files' text, where a helper may read a flag;
    ``supplied``: the other flags the backends pass (hyperparameters, extra arguments)."""
    supplied = supplied or set()
    if _quick_check(code, passed, other_sources, supplied):
        return []
    found = entry_flags(module)
    given = {flag for flag, _ in passed} | supplied
    problems = [
        FlagProblem(
            _line_of(code, flags[0]) or 1,
            f"{flags[0]} is required=True but the backends do not pass it (not a channel, "
            "--job-dir or a plan hyperparameter): add it to training.hyperparameters in "
            "liftshift.toml, or give it a default",
        )
        for flags in found.required
        if flags and not given.intersection(flags)
    ]
    read_elsewhere = set().union(*(helper_flags(text) for text in other_sources))
    strict = found.has_parser and found.strict
    for flag, meaning in passed:
        if flag in found.declared:
            continue
        if flag == "--job-dir" and not strict:
            continue  # harmless unread: where the model goes is LS002/LS005's report
        if (flag in found.helper_flags or flag in read_elsewhere) and not strict:
            continue
        if strict:
            why = "its parse_args() stops the job on it"
        else:
            why = "nothing reads it"
        problems.append(
            FlagProblem(
                _line_of(code, "add_argument") or 1,
                f"the backends pass {flag} ({meaning}) but the entry point does not declare "
                f"it: {why}; declare it on the parser (or set the plan's argument to the "
                "script's own flag)",
            )
        )
    if found.has_parser and not found.opaque:
        for name in sorted(found.reads):
            if name not in found.dests:
                problems.append(
                    FlagProblem(
                        _line_of(code, f".{name}") or 1,
                        f"args.{name} is read but no argument defines it (AttributeError "
                        "at run time); declare it or use the argument the migration renamed",
                    )
                )
    return problems


def _line_of(code: str, text: str) -> int:
    index = code.find(text)
    return code.count("\n", 0, index) + 1 if index >= 0 else 0
