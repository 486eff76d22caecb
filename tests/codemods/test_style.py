"""Minimal diffs in the file's own style: line endings, tabs, unicode, odd comments."""

import libcst as cst

from liftshift.codemods.registry import RULES
from tests.codemods.helpers import context, run

FILE_RULES = [rule for rule in RULES if rule.transform_file is not None]


def run_all(source: str) -> str:
    ctx = context()
    for rule in FILE_RULES:
        source = run(rule, source, ctx)
    return source


def test_crlf_stays_crlf() -> None:
    source = (
        "import argparse, os\r\n"
        "p = argparse.ArgumentParser()\r\n"
        "p.add_argument('--train', default=os.environ['SM_CHANNEL_TRAIN'])\r\n"
    )
    out = run_all(source)
    assert "\n" not in out.replace("\r\n", "")
    assert "SM_CHANNEL_TRAIN" not in out
    assert run_all(out) == out


def test_tabs_stay_tabs_and_unicode_and_comments_survive() -> None:
    source = (
        "# -*- coding: utf-8 -*-\n"
        "import os  # système\n"
        "def main():\n"
        "\t# lire les données « train »\n"
        "\tdata = os.environ['SM_CHANNEL_TRAIN']  # 训练数据\n"
        "\tif True:\n"
        "\t\tmodel_dir = os.environ.get('SM_MODEL_DIR')  # ✓\n"
        "\treturn data, model_dir\n"
    )
    out = run_all(source)
    assert "\tdata = _liftshift_path(_liftshift_required_arg('--train'))  # 训练数据\n" in out
    assert (
        "\t\tmodel_dir = _liftshift_folder(_liftshift_path(_liftshift_arg('--job-dir', "
        "'AIP_MODEL_DIR', 'model')))"
        "  # ✓\n" in out
    )
    assert "\t# lire les données « train »\n" in out
    assert "import os  # système\n" in out
    # the inserted helpers are indented like the file
    assert "\tif isinstance(value, str)" in out
    assert "    " not in out.split("def _liftshift_path")[1].split("\n\n\n")[0].replace(
        "    mount", ""
    )
    cst.parse_module(out)
    assert run_all(out) == out


def test_comment_inside_a_multiline_argument_list() -> None:
    source = (
        "import argparse, os\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument(\n"
        "    '--train',  # the training channel\n"
        "    type=str,\n"
        "    default=os.environ.get('SM_CHANNEL_TRAIN'),  # set by SageMaker\n"
        ")\n"
    )
    out = run_all(source)
    assert "    '--train',  # the training channel\n" in out
    assert "    default=None,  # set by SageMaker\n" in out
    assert "    type=_liftshift_path,\n" in out
