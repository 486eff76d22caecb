"""`liftshift verify` on the corpus trainer whose paths come from a dict-mapped helper in another
module (tests/corpus/syn_helper_module_paths): the migrated package trains on the same data and
saves the same model as the original run under SageMaker's contract (issue 11 item 3)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli

CORPUS = Path(__file__).parents[1] / "corpus"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def private_trainer_cache(tmp_path: Path) -> Iterator[None]:
    previous = os.environ.get("LIFTSHIFT_CACHE_DIR")
    os.environ["LIFTSHIFT_CACHE_DIR"] = str(tmp_path / "cache")
    yield
    if previous is None:
        os.environ.pop("LIFTSHIFT_CACHE_DIR", None)
    else:
        os.environ["LIFTSHIFT_CACHE_DIR"] = previous


def test_dict_mapped_helper_project_verifies(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(CORPUS / "syn_helper_module_paths", project)
    for channel in ("train", "test"):
        folder = project / "data" / channel
        folder.mkdir(parents=True)
        (folder / "train.csv").write_text("0,1,2\n1,3,4\n0,1,1\n1,5,4\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["plan", str(project)]).exit_code == 0
    plan = project / "liftshift.toml"
    text = plan.read_text(encoding="utf-8")
    for channel in ("train", "test"):  # the sample data verify runs both sides on
        text = re.sub(
            rf'(name = "{channel}"\n(?:.*\n)*?sample_data = )""',
            rf'\1"data/{channel}"',
            text,
            count=1,
        )
    plan.write_text(text, encoding="utf-8")
    migrated = runner.invoke(cli, ["migrate", str(project), "--apply", "--force"])
    assert migrated.exit_code == 0, migrated.output
    assert 'argument = "--train"' in plan.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["verify", str(project), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["verdict"] == "match"
    assert report["original"]["channels_read"] == report["migrated"]["channels_read"] == ["train"]
    assert report["artifacts"]["identical"] == ["model.joblib"]
