"""LS006's launcher-path step: the SageMaker launcher follows the script LS001 moved (before /
after, notebooks, SDK v3, a variable, no-op and a second run)."""

from __future__ import annotations

import json

from liftshift.codemods.base import MigrationContext, ProjectTree
from liftshift.codemods.launcher_paths import follow_moved_entry


def moved_tree(files: dict[str, str], *, old: str = "train.py") -> ProjectTree:
    """A tree in which LS001 has just moved ``old`` to ``trainer/train.py``."""
    tree = ProjectTree(loader=files.get, existing=set(files))
    tree.entry = old
    tree.trainer_files = [old]
    tree.move(old, "trainer/train.py")
    return tree


def run(tree: ProjectTree, launchers: list[str], entry: str = "train.py") -> ProjectTree:
    follow_moved_entry(tree, MigrationContext(entry_point=entry, launchers=launchers))
    return tree


def test_entry_point_and_source_dir_follow_the_script() -> None:
    launcher = 'SKLearn(entry_point="train.py", source_dir=".", role="r").fit()\n'
    tree = run(moved_tree({"launch.py": launcher, "train.py": ""}), ["launch.py"])
    assert tree.files["launch.py"] == (
        'SKLearn(entry_point="train.py", source_dir="trainer", role="r").fit()\n'
    )
    ((path, line, rule, message),) = tree.notes
    assert (path, line, rule) == ("launch.py", 1, "LS006")
    assert message.startswith("entry_point/source_dir now name trainer/train.py (was train.py)")


def test_a_missing_source_dir_is_added_and_a_subfolder_launcher_goes_up() -> None:
    files = {"notebooks/run.py": "PyTorch(entry_point='../train.py')\n", "train.py": ""}
    tree = run(moved_tree(files), ["notebooks/run.py"])
    assert tree.files["notebooks/run.py"] == (
        "PyTorch(source_dir='../trainer', entry_point='train.py')\n"
    )


def test_notebooks_and_sdk_v3_source_code() -> None:
    cell = 'SourceCode(source_dir="src", entry_script="train.py")\n'
    notebook = json.dumps({"cells": [{"cell_type": "code", "source": [cell]}]})
    tree = run(
        moved_tree({"launch.ipynb": notebook, "src/train.py": ""}, old="src/train.py"),
        ["launch.ipynb"],
        entry="src/train.py",
    )
    source = json.loads(tree.files["launch.ipynb"])["cells"][0]["source"][0]
    assert source == 'SourceCode(source_dir="trainer", entry_script="train.py")\n'


def test_a_variable_gets_a_note_and_other_scripts_stay() -> None:
    files = {
        "launch.py": "ENTRY = 'train.py'\nSKLearn(entry_point=ENTRY)\n",
        "other.py": 'SKLearn(entry_point="evaluate.py")\n',
        "evaluate.py": "",
        "train.py": "",
    }
    tree = run(moved_tree(files), ["launch.py", "other.py"])
    assert "launch.py" not in tree.files and "other.py" not in tree.files
    ((path, _, _, message),) = tree.notes
    assert path == "launch.py" and "through a variable" in message


def test_no_move_is_a_no_op_and_a_second_run_changes_nothing() -> None:
    launcher = 'SKLearn(entry_point="train.py")\n'
    unmoved = ProjectTree(loader={"launch.py": launcher, "train.py": ""}.get)
    unmoved.existing = {"launch.py", "train.py"}
    unmoved.entry = "train.py"
    assert "launch.py" not in run(unmoved, ["launch.py"]).files

    first = run(moved_tree({"launch.py": launcher, "train.py": ""}), ["launch.py"])
    migrated = {"launch.py": first.files["launch.py"], "trainer/train.py": ""}
    again = ProjectTree(loader=migrated.get, existing=set(migrated))
    again.entry = "trainer/train.py"
    assert "launch.py" not in run(again, ["launch.py"]).files and not again.notes


def test_a_launcher_from_an_earlier_migration_is_pointed_at_the_package() -> None:
    files = {"launch.py": 'SKLearn(entry_point="train.py")\n', "trainer/train.py": ""}
    tree = ProjectTree(loader=files.get, existing=set(files))
    tree.entry = "trainer/train.py"
    run(tree, ["launch.py"], entry="trainer/train.py")
    assert tree.files["launch.py"] == 'SKLearn(source_dir="trainer", entry_point="train.py")\n'
