"""A project after migration (issue 11, item 7): the original SageMaker launcher still builds its
estimator (entry_point/source_dir follow the moved script), a scan reports the project as
migrated instead of "entry-point-missing", and re-planning it gives the same plan."""

from __future__ import annotations

import dataclasses
import json
import runpy
import shutil
from pathlib import Path
from typing import Any

import pytest

from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.migrate import migrate_project
from liftshift.migrator.planner import propose
from liftshift.scan import scan_project
from tests.examples.test_launchers import offline_sagemaker  # noqa: F401 (a fixture)
from tests.migrate.conftest import git_init

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns("__pycache__"))
    git_init(root)
    return root


def migrate_like_the_app(root: Path):
    """Plan in memory (never saved), migrate with it and write the changes."""
    plan = propose(scan_project(root)).plan
    result = migrate_project(root, plan=plan, launchers=list(plan.code.launchers))
    apply_changeset(result.changeset, root, force=True)
    return plan, result


def test_the_sagemaker_launcher_still_builds_after_migration(
    tmp_path: Path,
    offline_sagemaker: list[tuple[Any, Any]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = example("titanic-sklearn", tmp_path)
    _, result = migrate_like_the_app(root)
    launcher = (root / "launch.py").read_text(encoding="utf-8")
    assert 'entry_point="train.py",\n    source_dir="trainer",' in launcher
    note = next(entry for entry in result.entries if entry.path == "launch.py")
    assert note.rule == "LS006" and note.severity == "note"
    assert "copy requirements.txt into trainer/" in note.message

    monkeypatch.chdir(root)
    runpy.run_path("launch.py", run_name="__main__")
    ((estimator, inputs),) = offline_sagemaker
    assert (estimator.entry_point, estimator.source_dir) == ("train.py", "trainer")
    assert (root / estimator.source_dir / estimator.entry_point).is_file()
    assert set(inputs) == {"train", "test"}

    again = migrate_project(root, plan=propose(scan_project(root)).plan)
    assert not again.changeset, again.changeset.diff()


def test_a_notebook_launcher_follows_too_and_says_what_sagemaker_cannot_run(
    tmp_path: Path,
) -> None:
    root = example("mnist-tensorflow", tmp_path)
    _, result = migrate_like_the_app(root)
    notebook = json.loads((root / "launch.ipynb").read_text(encoding="utf-8"))
    source = "".join("".join(cell["source"]) for cell in notebook["cells"])
    assert 'source_dir="trainer"' in source and 'entry_point="task.py"' in source
    note = next(entry for entry in result.entries if entry.path == "launch.ipynb")
    assert "relative imports" in note.message


def test_a_scan_of_a_migrated_project_reports_it_as_migrated(tmp_path: Path) -> None:
    root = example("titanic-sklearn", tmp_path)
    original = (root / "launch.py").read_text(encoding="utf-8")
    migrate_like_the_app(root)
    scan = scan_project(root)
    assert scan.migrated_module == "trainer/train.py"
    assert "entry-point-missing" not in {finding.code for finding in scan.findings}

    # migrated by an older liftshift: the launcher still names train.py in the old place
    (root / "launch.py").write_text(original, encoding="utf-8")
    scan = scan_project(root)
    codes = {finding.code: finding for finding in scan.findings}
    assert "entry-point-missing" not in codes
    assert codes["entry-point-migrated"].severity == "info"
    assert "moved to trainer/train.py" in codes["entry-point-migrated"].message
    plan = propose(scan).plan
    assert (plan.code.entry_point, plan.code.module) == ("trainer/train.py", "trainer.train")
    fixed = migrate_project(root, plan=plan)  # points the launcher at the new place, once
    assert [change.path for change in fixed.changeset.effective()] == ["launch.py"]
    apply_changeset(fixed.changeset, root, force=True)
    assert not migrate_project(root, plan=plan).changeset


@pytest.mark.parametrize("name", ["titanic-sklearn", "mnist-tensorflow"])
def test_replanning_a_migrated_project_gives_the_same_plan(name: str, tmp_path: Path) -> None:
    root = example(name, tmp_path)
    before, _ = migrate_like_the_app(root)
    (root / "liftshift.toml").unlink(missing_ok=True)  # the app did not save it

    after = propose(scan_project(root)).plan
    assert after.code.entry_point == before.code.module.replace(".", "/") + ".py"
    assert after.code.module == before.code.module
    assert after.data == before.data  # channels, their sources and the flags that take them
    assert after.training == before.training
    assert after.model == before.model
    assert after.code.launchers == before.code.launchers
    assert not migrate_project(root, plan=after).changeset

    kept = propose(scan_project(root), existing=before).plan  # a saved plan: exactly the same
    assert dataclasses.asdict(kept) == dataclasses.asdict(before)


def test_without_plan_or_launcher_the_channel_flags_come_from_the_migrated_trainer(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    shutil.copy(corpus / "sklearn_argparse.py", root / "train.py")
    before, _ = migrate_like_the_app(root)
    proposal = propose(scan_project(root))
    flags = sorted(channel.argument for channel in proposal.plan.data.channels)
    assert flags == sorted(channel.argument for channel in before.data.channels)
    assert flags == ["--test", "--train"]
    assert any(
        "come from the path flags of the migrated trainer/train.py" in note
        for note in proposal.notes
    )


@pytest.mark.parametrize(
    "name",
    ["helper_env.py", "inference_handlers.py", "lightgbm_opt_ml.py", "sklearn_no_main.py"],
)
def test_a_trainer_migrated_without_argparse_replans_to_the_same_flags(
    name: str, tmp_path: Path
) -> None:
    """Channels read through ``_liftshift_arg``/``_liftshift_required_arg`` (no parser to
    declare them) still give the plan its channel flags, with no plan file and no launcher."""
    root = tmp_path / "project"
    root.mkdir()
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    shutil.copy(corpus / name, root / name)
    before, _ = migrate_like_the_app(root)
    assert before.data.channels
    scan = scan_project(root)
    assert "entry-point-missing" not in {finding.code for finding in scan.findings}
    after = propose(scan).plan
    assert after.code.module == before.code.module
    assert [(c.name, c.argument) for c in after.data.channels] == [
        (c.name, c.argument) for c in before.data.channels
    ]
    assert not migrate_project(root, plan=after).changeset
