"""``aa = parser.add_argument`` aliases are spelled out before the rules (issue 11 item 3): the
script's own flags are then found, so the backend's flags are parsed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from liftshift.codemods.argalias import without_argument_aliases
from tests.codemods.vertexrun import migrate, write_project

BEFORE = textwrap.dedent(
    """\
    import argparse
    import os

    parser = argparse.ArgumentParser()
    aa = parser.add_argument
    aa("--dataset_path", default=os.environ["SM_CHANNEL_TRAINING"])
    aa("--epochs", type=int, default=1)
    args = parser.parse_args()
    """
)
AFTER = textwrap.dedent(
    """\
    import argparse
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset_path", default=os.environ["SM_CHANNEL_TRAINING"])
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    """
)


def spell(source: str) -> str:
    return without_argument_aliases(cst.parse_module(source), source).code


def test_an_alias_is_spelled_out_and_its_line_goes() -> None:
    assert spell(BEFORE) == AFTER
    assert spell(AFTER) == AFTER  # applied twice: nothing left to do


def test_no_alias_is_a_no_op() -> None:
    module = cst.parse_module(AFTER)
    assert without_argument_aliases(module, AFTER) is module


def test_an_alias_used_other_than_called_is_left_alone() -> None:
    source = BEFORE + "register(aa)\n"
    assert spell(source) == source
    reassigned = BEFORE + "aa = print\n"
    assert spell(reassigned) == reassigned


def test_the_migrated_script_parses_the_channel_flag_through_its_own_argument(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path / "project", {"train.py": BEFORE})
    migrated = migrate(root, "train.py", {"training": ""})
    assert not migrated.result.errors, migrated.result.errors
    task = migrated.text("trainer/task.py")
    assert "aa(" not in task and "aa = " not in task
    assert '"--dataset_path"' in task and '"--job-dir"' in task
    assert [channel.argument for channel in migrated.plan.data.channels] == ["--dataset_path"]
