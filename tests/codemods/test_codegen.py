"""codegen.module_code prints a module exactly as libcst does, whatever its layout, while the
inserted helpers' text is generated once and reused."""

from __future__ import annotations

import libcst as cst
import pytest

from liftshift.codemods.codegen import module_code
from liftshift.codemods.runtime import ensure_helpers

SOURCE = "# a trainer\nimport os\n\nif True:\n{indent}x = os.environ['SM_MODEL_DIR']\n"


@pytest.mark.parametrize("indent", ["    ", "\t", "  "])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("trailing", [True, False])
def test_module_code_is_libcst_code(indent: str, newline: str, trailing: bool) -> None:
    text = SOURCE.format(indent=indent).replace("\n", newline)
    if not trailing:
        text = text.removesuffix(newline)
    module = ensure_helpers(cst.parse_module(text), {"_liftshift_model_folder", "_liftshift_arg"})
    assert module_code(module) == module.code
    assert module_code(module) == module.code  # the second time from the reused text
    assert module.code.count("def _liftshift_") == 4


def test_a_module_without_helpers_is_printed_by_libcst() -> None:
    module = cst.parse_module("def _liftshift_path(value):\n    return value\n")
    assert module_code(module) == module.code


def test_a_module_printed_again_reuses_the_statements_left_as_they_were() -> None:
    printed: dict = {}
    module = cst.parse_module("import os\n\n\ndef model_fn(d):\n    return d\n\n\nx = 1\n")
    assert module_code(module, printed) == module.code
    assert len(printed) == 3
    changed = module.with_changes(
        body=[module.body[0], module.body[1].with_changes(leading_lines=[]), module.body[2]]
    )
    assert module_code(changed, printed) == changed.code
    crlf = changed.with_changes(default_newline="\r\n", default_indent="\t")
    assert module_code(crlf, printed) == crlf.code
