"""Small SageMaker projects on disk for the pipeline, apply/undo and CLI tests."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from liftshift.foundation.plan import ChannelPlan, Plan, save_plan

TRAIN = textwrap.dedent(
    """\
    import argparse
    import os

    import joblib
    from helpers import load_frame
    import features as feats


    def parse_args():
        parser = argparse.ArgumentParser()
        parser.add_argument("--n-estimators", type=int, default=10)
        parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
        parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
        return parser.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        frame = load_frame(args.train)
        joblib.dump(feats.fit(frame), os.path.join(args.model_dir, "model.joblib"))
    """
)

LAUNCH = textwrap.dedent(
    """\
    from sagemaker.sklearn import SKLearn

    SKLearn(entry_point="train.py", role="r", instance_type="ml.m5.xlarge",
            hyperparameters={"n-estimators": 10}).fit({"train": "s3://bucket/data/train"})
    """
)


def make_project(root: Path, *, crlf: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    train = TRAIN.replace("\n", "\r\n") if crlf else TRAIN
    (root / "train.py").write_bytes(train.encode("utf-8"))
    (root / "helpers.py").write_text(
        "import pandas as pd\n\n\ndef load_frame(path):\n    return pd.read_csv(path)\n",
        encoding="utf-8",
    )
    (root / "features.py").write_text("def fit(frame):\n    return frame", encoding="utf-8")
    (root / "launch.py").write_text(LAUNCH, encoding="utf-8")
    (root / "requirements.txt").write_text("pandas\njoblib  # models\n", encoding="utf-8")
    (root / "run.sh").write_text("#!/bin/sh\npython train.py\n", encoding="utf-8")
    os.chmod(root / "run.sh", 0o755)
    plan = Plan()
    plan.code.entry_point = "train.py"
    plan.code.launchers = ["launch.py"]
    plan.training.hyperparameters = {"n-estimators": 10}
    plan.data.channels = [
        ChannelPlan(
            name="train",
            source="s3://bucket/data/train",
            destination="gs://bucket/data/train",
            argument="--train",
        )
    ]
    save_plan(plan, root)
    return root


GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], check=False, cwd=root, capture_output=True, text=True, env=env
    )


def git_init(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root (except .git and .liftshift) with its bytes and mode."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith((".git/", ".liftshift/")):
            found[relative] = (path.read_bytes(), path.stat().st_mode)
    return found
