"""Both example projects: migrate --apply, run the migrated trainer as a plain script with
explicit arguments and no cloud variables, then --check is clean and undo restores every byte."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from tests.migrate.conftest import git, git_init, snapshot

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def plain_env() -> dict[str, str]:
    cloud = ("SM_", "AIP_", "CLOUD_ML_", "CLUSTER_SPEC", "TF_CONFIG")
    env = {key: value for key, value in os.environ.items() if not key.startswith(cloud)}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def migrate_example(name: str, tmp_path: Path) -> tuple[Path, dict]:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns("__pycache__"))
    git_init(root)
    before = snapshot(root)
    printed = invoke("migrate", str(root))
    assert printed.exit_code == 0, printed.output
    (tmp_path / "p.diff").write_text(printed.stdout, encoding="utf-8", newline="")
    check = git(root, "apply", "--check", str(tmp_path / "p.diff"))
    assert check.returncode == 0, check.stderr
    applied = invoke("migrate", "--apply", str(root))
    assert applied.exit_code == 0, applied.output
    assert invoke("migrate", "--check", str(root)).exit_code == 0
    return root, before


def run_trainer(root: Path, *args: str) -> str:
    # LS001 records the module in the package docstring (and in the plan when there is one)
    init = (root / "trainer" / "__init__.py").read_text(encoding="utf-8")
    module = re.search(r"python -m ([\w.]+)", init).group(1)
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        check=False,
        cwd=root,
        env=plain_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def undo_and_compare(root: Path, before: dict) -> None:
    undone = invoke("undo", str(root))
    assert undone.exit_code == 0, undone.output
    assert snapshot(root) == before
    assert git(root, "status", "--porcelain", "--untracked-files=no").stdout == ""


def test_titanic_sklearn(tmp_path: Path) -> None:
    root, before = migrate_example("titanic-sklearn", tmp_path)
    assert not (root / "train.py").exists()
    # no plan file before: the scan's plan is written, with the flags the backends must pass
    plan = (root / "liftshift.toml").read_text(encoding="utf-8")
    assert 'argument = "--train"' in plan and 'argument = "--test"' in plan
    launcher = (root / "launch_vertex.py").read_text(encoding="utf-8")
    assert '"--train": "gs://acme-ml-datasets/titanic/train",' in launcher  # the folder
    model_dir = tmp_path / "model"
    out = run_trainer(
        root,
        "--train",
        "data/train",
        "--test",
        "data/test",
        "--job-dir",
        str(model_dir),
        "--n-estimators",
        "20",
    )
    assert "test accuracy" in out
    assert (model_dir / "model.joblib").is_file()
    undo_and_compare(root, before)


@pytest.mark.slow
def test_mnist_tensorflow(tmp_path: Path) -> None:
    root, before = migrate_example("mnist-tensorflow", tmp_path)
    assert (root / "trainer" / "model.py").exists()
    assert (root / "launch_vertex.ipynb").exists() and (root / "launch.ipynb").exists()
    model_dir = tmp_path / "export"
    out = run_trainer(
        root,
        "--epochs",
        "1",
        "--train",
        "data/train",
        "--eval",
        "data/eval",
        "--job-dir",
        str(model_dir),
    )
    assert "eval accuracy" in out
    assert (model_dir / "saved_model.pb").is_file()  # SavedModel at the root, no version dir
    undo_and_compare(root, before)
