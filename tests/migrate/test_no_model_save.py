"""A trainer that saves no model is said to, at its entry point, when it is migrated: the job
would leave AIP_MODEL_DIR empty and no model version could be made (issue 11, 'no silent
success')."""

from __future__ import annotations

from pathlib import Path

from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.migrate import migrate_project

LAUNCHER = """\
from sagemaker.sklearn.estimator import SKLearn

SKLearn(entry_point="train.py", role="r", instance_type="ml.m5.large",
        framework_version="1.2-1").fit({"train": "s3://acme-data/train"})
"""

TRAINER = """\
import argparse
import os

import pandas as pd


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    args = parser.parse_args()
    frame = pd.read_csv(os.path.join(args.train, "train.csv"))
    print("rows:", len(frame))
{save}"""


def project(root: Path, save: str) -> Path:
    root.mkdir()
    (root / "train.py").write_text(TRAINER.format(save=save), encoding="utf-8")
    (root / "launch.py").write_text(LAUNCHER, encoding="utf-8")
    return root


def no_save_notes(root: Path) -> list[str]:
    result = migrate_project(root)
    return [
        f"{entry.path}:{entry.line}"
        for entry in result.entries
        if entry.rule == "LS005" and entry.message.startswith("no model save found")
    ]


def test_a_trainer_without_a_model_save_is_said_to_at_its_entry_point(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "")
    assert no_save_notes(root) == ["trainer/train.py:1"]
    apply_changeset(migrate_project(root).changeset, root, force=True)
    assert no_save_notes(root) == ["trainer/train.py:1"], "said again on a migrated project"
    assert not migrate_project(root).changeset, "a note, never a change: applied twice is a no-op"


def test_a_trainer_that_saves_its_model_gets_no_such_note(tmp_path: Path) -> None:
    save = '    frame.to_pickle(os.path.join(args.model_dir, "model.pkl"))\n'
    assert no_save_notes(project(tmp_path / "p", save)) == []
