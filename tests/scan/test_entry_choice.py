"""Projects without a launcher (issue 11, item 1): the entry point is chosen by evidence and the
plan says why; channels, framework and install_requires come from the code; a launcher in the
enclosing git repository wins; a folder with no SM_* reads is packaged when the user names it."""

from __future__ import annotations

import subprocess

from liftshift.migrator.planner import propose
from liftshift.scan import scan_project
from liftshift.scan.entry_choice import choose_entry_point
from tests.scan.conftest import MakeProject
from tests.scan.test_cli import run

TRAINER = """
    import argparse
    import os

    import joblib
    from sklearn.linear_model import LogisticRegression

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
        parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN"))
        args = parser.parse_args()
        joblib.dump(LogisticRegression(), os.path.join(args.model_dir, "model.joblib"))
"""

PREPROCESSING = """
    import os

    import pandas as pd

    frame = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_RAW"], "raw.csv"))
    frame.to_csv("/opt/ml/processing/output/clean.csv")
"""


def test_a_trainer_beats_a_preprocessing_script_that_sorts_first(
    make_project: MakeProject,
) -> None:
    root = make_project({"preprocessing.py": PREPROCESSING, "train.py": TRAINER})
    proposal = propose(scan_project(root))
    assert proposal.plan.code.entry_point == "train.py"
    why = proposal.notes[0]
    assert why.startswith("entry point train.py: main guard, argparse, saves a model")
    assert "over preprocessing.py" in why and "Processing job" in why


def test_jupyter_checkpoints_are_never_candidates(make_project: MakeProject) -> None:
    root = make_project(
        {".ipynb_checkpoints/a-checkpoint.py": TRAINER, "train.py": TRAINER.replace("--", "--x-")}
    )
    scan = scan_project(root)
    assert [entry.path for entry in scan.entry_points] == ["train.py"]


def test_a_helper_module_it_imports_is_not_the_trainer(make_project: MakeProject) -> None:
    root = make_project(
        {
            "utils.py": 'import os\nCHANNEL = os.environ.get("SM_CHANNEL_TRAIN", "/data")\n',
            "train.py": """
                import os

                import torch

                from utils import CHANNEL

                if __name__ == "__main__":
                    weights = torch.load(os.path.join(CHANNEL, "x.pt"))
                    torch.save(weights, os.path.join(os.environ["SM_MODEL_DIR"], "m.pt"))
            """,
        }
    )
    choice = choose_entry_point(scan_project(root))
    assert choice.entry is not None and choice.entry.path == "train.py"
    assert "imported by another script" in choice.reason


def test_channels_framework_and_requirements_come_from_the_code(
    make_project: MakeProject,
) -> None:
    root = make_project(
        {
            "train.py": """
                import os
                import lightgbm
                import yaml
                import xgboost as xgb
                from sklearn.metrics import accuracy_score

                from features import build

                if __name__ == "__main__":
                    train = xgb.DMatrix(os.environ["SM_CHANNEL_TRAIN"])
                    valid = xgb.DMatrix("/opt/ml/input/data/validation/valid.csv")
                    model_dir = os.environ["SM_MODEL_DIR"]
                    xgb.train({}, train).save_model(os.path.join(model_dir, "model.bst"))
            """,
            "features.py": "def build():\n    return 1\n",
        }
    )
    proposal = propose(scan_project(root))
    plan = proposal.plan
    assert [channel.name for channel in plan.data.channels] == ["train", "validation"]
    assert plan.training.framework == "xgboost"
    assert plan.training.training_container  # a prebuilt container, not "generic Estimator"
    assert plan.code.install_requires == ["PyYAML", "lightgbm", "scikit-learn", "xgboost"]
    notes = " ".join(proposal.notes)
    assert "framework xgboost from `import xgboost` in train.py" in notes
    assert "channels train, validation come from what train.py reads" in notes


def test_the_framework_version_comes_from_requirements(make_project: MakeProject) -> None:
    root = make_project(
        {
            "requirements.txt": "pandas\ntensorflow==2.13.1\n",
            "train.py": 'import os\nimport tensorflow as tf\nd = os.environ["SM_MODEL_DIR"]\n',
        }
    )
    plan = propose(scan_project(root)).plan
    assert (plan.training.framework, plan.training.framework_version) == ("tensorflow", "2.13")
    assert plan.code.install_requires == []  # requirements.txt ships with it


def test_a_launcher_elsewhere_in_the_git_repository_wins(make_project: MakeProject) -> None:
    repo = make_project(
        {
            "notebooks/launch.py": """
                from sagemaker.pytorch import PyTorch

                PyTorch(entry_point="fit.py", source_dir="../models/churn", framework_version="2.0",
                        py_version="py310", instance_type="ml.m5.xlarge", role="r",
                        ).fit({"training": "s3://bucket/churn/train"})
            """,
            "models/churn/evaluate.py": TRAINER,
            "models/churn/fit.py": 'import os\nprint(os.environ["SM_CHANNEL_TRAINING"])\n',
        }
    )
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    proposal = propose(scan_project(repo / "models" / "churn"))
    plan = proposal.plan
    assert plan.code.entry_point == "fit.py"
    assert plan.code.launchers == []  # not the project's file to rewrite
    assert plan.training.framework == "pytorch"
    assert [(c.name, c.source) for c in plan.data.channels] == [
        ("training", "s3://bucket/churn/train")
    ]
    assert proposal.notes[0] == (
        "entry point fit.py: named by the launcher ../../notebooks/launch.py "
        "(outside the project, same git repository)"
    )


def test_a_folder_without_sm_reads_is_packaged_when_the_user_names_the_script(
    make_project: MakeProject,
) -> None:
    root = make_project(
        {
            "fit_model.py": """
                import argparse
                import pickle

                parser = argparse.ArgumentParser()
                parser.add_argument("--out", default="model.pkl")
                pickle.dump(1, open(parser.parse_args().out, "wb"))
            """
        }
    )
    code, _, err = run("plan", str(root))
    assert code == 1 and "--entry-point FILE" in err and "LS001" in err

    code, out, _ = run("plan", str(root), "--entry-point", "fit_model.py")
    assert code == 0, out
    assert "entry point   fit_model.py  (module trainer.fit_model)" in out
    assert "fit_model.py reads no SM_* variables or /opt/ml paths: liftshift packages it" in out

    code, out, err = run("migrate", str(root), "--apply", "--force")
    assert code == 0, err
    assert (root / "trainer" / "fit_model.py").is_file()
    assert "install_requires" in (root / "setup.py").read_text(encoding="utf-8")

    code, _, err = run("plan", str(root), "--entry-point", "missing.py")
    assert code == 2 and "missing.py is not a Python file" in err


def test_scan_says_which_script_it_would_package(make_project: MakeProject) -> None:
    root = make_project({"preprocessing.py": PREPROCESSING, "train.py": TRAINER})
    code, out, _ = run("scan", str(root))
    assert code == 0
    assert "Training entry point: train.py: main guard" in " ".join(out.split())


def test_migrate_takes_the_entry_point_when_there_is_no_plan(make_project: MakeProject) -> None:
    root = make_project(
        {
            "fit.py": """
                import argparse
                import pickle

                import numpy as np

                if __name__ == "__main__":
                    parser = argparse.ArgumentParser()
                    parser.add_argument("--out", default="model.pkl")
                    pickle.dump(np.zeros(2), open(parser.parse_args().out, "wb"))
            """,
            "download.py": "import urllib.request\n",
        }
    )
    code, _, err = run("migrate", str(root), "--check")
    assert code == 2 and "--entry-point FILE" in err
    code, _, err = run("migrate", str(root), "--apply", "--force", "--entry-point", "fit.py")
    assert code == 0, err
    assert (root / "trainer" / "fit.py").is_file() and (root / "download.py").is_file()
    setup = (root / "setup.py").read_text(encoding="utf-8")
    assert 'REQUIRED_PACKAGES = ["numpy"]' in setup  # from the imports: no requirements.txt
    code, _, err = run("migrate", str(root), "--check", "--entry-point", "download.py")
    assert code == 2 and "names entry point fit.py" in err
    code, _, _ = run("migrate", str(root), "--check")
    assert code == 0


def test_a_generic_estimator_gets_its_framework_from_the_trainer(
    make_project: MakeProject,
) -> None:
    root = make_project(
        {
            "launch.py": """
                from sagemaker.estimator import Estimator

                Estimator(image_uri="123.dkr.ecr.us-east-1.amazonaws.com/xgb:1", role="r",
                          entry_point="train.py", instance_type="ml.m5.xlarge",
                          ).fit({"train": "s3://bucket/xgb/train"})
            """,
            "requirements.txt": "xgboost==1.7.6\n",
            "train.py": 'import os\nimport xgboost\nd = os.environ["SM_CHANNEL_TRAIN"]\n',
        }
    )
    proposal = propose(scan_project(root))
    training = proposal.plan.training
    assert (training.framework, training.framework_version) == ("xgboost", "1.7")
    assert "xgboost" in training.training_container
    assert not any("generic Estimator" in note for note in proposal.notes)


LEGACY_TRAIN = """
    import os


    def train(channel_input_dirs, hyperparameters, num_gpus, **kwargs):
        return os.listdir(channel_input_dirs["training"])
"""


def test_a_legacy_framework_module_is_the_entry_point_when_nothing_reads_sm(
    make_project: MakeProject,
) -> None:
    root = make_project({"mnist.py": LEGACY_TRAIN, "utils.py": "def helper():\n    return 1\n"})
    proposal = propose(scan_project(root))
    assert proposal.plan.code.entry_point == "mnist.py"


def test_a_script_with_a_main_guard_or_an_ordinary_train_is_not_legacy(
    make_project: MakeProject,
) -> None:
    guarded = LEGACY_TRAIN + "\n    if __name__ == '__main__':\n        train({}, {}, 0)\n"
    ordinary = "def train(model, data):\n    return model.fit(data)\n"
    root = make_project({"a.py": guarded, "b.py": ordinary})
    assert scan_project(root).entry_points == []


def test_a_trainer_that_does_not_parse_is_named_in_the_refusal(make_project: MakeProject) -> None:
    root = make_project({"train.py": "import os\n\ndef broken(:\n    pass\n"})
    code, _, err = run("migrate", str(root), "--check")
    assert code == 2
    assert "no entry point: train.py does not parse (invalid syntax, line 3)" in err
    assert "fix its syntax" in err and "\n" not in err.strip()
