"""A migrated trainer still says which flag takes which channel (issue 11, item 7): once the
``SM_CHANNEL_*`` reads are rewritten, the scan reads the channel flags from the way the codemods
write channel reads (liftshift's runtime helpers, argparse path flags), so planning the
migrated project from scratch finds the same channel arguments."""

from __future__ import annotations

from liftshift.codemods.runtime import HELPER_NAMES
from liftshift.migrator.planner import propose
from liftshift.scan import scan_project, tables
from tests.scan.conftest import MakeProject

PACKAGE_INIT = '"""Vertex AI trainer package (created by liftshift); run it as ``python -m trainer.train``."""\n'  # noqa: E501

HELPERS = """
def _liftshift_path(value):
    return value


def _liftshift_arg(flag, env=None, default=None):
    return default


def _liftshift_required_arg(flag):
    return _liftshift_arg(flag)


def _liftshift_hyperparameters(*paths):
    return "{}"


def _liftshift_config_dir(channels):
    return "config"
"""


def channel_flags(root) -> list[tuple[str, str]]:
    scan = scan_project(root)
    (entry,) = [item for item in scan.entry_points if item.path == scan.migrated_module]
    return [(item.name, item.flag) for item in entry.channel_flags]


def test_runtime_helper_reads_are_channel_flags(make_project: MakeProject) -> None:
    root = make_project(
        {
            "trainer/__init__.py": PACKAGE_INIT,
            "trainer/train.py": HELPERS
            + """
import json
import os

TRAIN = _liftshift_path(_liftshift_arg("--train", None, None))
TEST = _liftshift_path(_liftshift_required_arg("--test-dir"))
MODEL = _liftshift_path(_liftshift_arg("--job-dir", "AIP_MODEL_DIR", "model"))
RATE = float(_liftshift_arg("--learning-rate", None, 0.1))
HPS = json.loads(_liftshift_hyperparameters("--train", "--test-dir"))
CONFIG = os.path.join(_liftshift_config_dir({"validation": "--val"}), "resourceconfig.json")
""",
        }
    )
    assert channel_flags(root) == [
        ("train", "--train"),
        ("test", "--test-dir"),
        ("train", "--train"),
        ("test", "--test-dir"),
        ("validation", "--val"),
    ]  # not --job-dir (the model), not --learning-rate (a hyperparameter)

    plan = propose(scan_project(root)).plan
    assert plan.code.module == "trainer.train"
    assert [(c.name, c.argument) for c in plan.data.channels] == [
        ("train", "--train"),
        ("test", "--test-dir"),
        ("validation", "--val"),
    ]


def test_a_channel_table_names_the_channel(make_project: MakeProject) -> None:
    """``_liftshift_arg({"train": "--training-dir"}.get(...))``: the code spells the name out,
    which wins over the one made from the flag elsewhere in the file."""
    root = make_project(
        {
            "trainer/__init__.py": PACKAGE_INIT,
            "trainer/train.py": HELPERS
            + """
first = _liftshift_path(_liftshift_required_arg("--training-dir"))
for name in ["train"]:
    folder = _liftshift_path(_liftshift_arg({"train": "--training-dir"}.get(str(name).lower())))
""",
        }
    )
    plan = propose(scan_project(root)).plan
    assert [(c.name, c.argument) for c in plan.data.channels] == [("train", "--training-dir")]


def test_argparse_path_flags_in_a_package_module_the_trainer_imports(
    make_project: MakeProject,
) -> None:
    root = make_project(
        {
            "trainer/__init__.py": PACKAGE_INIT,
            "trainer/train.py": """
from .options import *


if __name__ == "__main__":
    args = parse_args()
    print(args.training_dir)
""",
            "trainer/options.py": HELPERS
            + """
import argparse
import os

from . import layout


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--training-dir", type=_liftshift_path, required=True)
    parser.add_argument("--job-dir", dest="job_dir", type=_liftshift_path)
    parser.add_argument("--epochs", type=int, default=3)
    return parser.parse_args()
""",
            "trainer/layout.py": HELPERS
            + """
LABELS = _liftshift_path(_liftshift_required_arg("--labels"))
""",
            "trainer/evaluate.py": HELPERS
            + """
TEST = _liftshift_path(_liftshift_required_arg("--test"))
""",
        }
    )
    scan = scan_project(root)
    assert "entry-point-missing" not in {finding.code for finding in scan.findings}
    flags = channel_flags(root)
    assert flags == [("training", "--training-dir"), ("labels", "--labels")]  # not evaluate.py
    plan = propose(scan).plan
    assert sorted(c.argument for c in plan.data.channels) == ["--labels", "--training-dir"]


def test_a_project_never_migrated_has_no_channel_flags(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
import argparse, os
parser = argparse.ArgumentParser()
parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
""",
        }
    )
    (entry,) = scan_project(root).entry_points
    assert entry.channel_flags == []
    assert scan_project(root).to_dict()["entry_points"][0]["channel_flags"] == []


def test_the_scanner_knows_the_runtime_helpers_by_their_names() -> None:
    """The scan (which may not import the codemods) names the helpers codemods.runtime writes."""
    names = {
        tables.MIGRATED_PATH,
        tables.MIGRATED_FLAG_READ,
        *tables.MIGRATED_CHANNEL_READS,
        *tables.MIGRATED_CHANNEL_FLAG_LISTS,
        *tables.MIGRATED_CHANNEL_TABLES,
    }
    assert names <= HELPER_NAMES
