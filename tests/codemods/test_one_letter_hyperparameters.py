"""A one-letter hyperparameter (sklearn's ``C``): SageMaker's toolkit passes it as ``-C 0.5``,
not ``--C 0.5``, so the migrated trainer reads ``-C`` and the backends pass ``-C``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from liftshift.codemods.ls003_sm_env import RULE
from liftshift.codemods.runtime import HELPERS
from tests.codemods.helpers import assert_codemod, context, helpers_free, run
from tests.codemods.vertexrun import migrate, run_job, write_project


def test_sm_hp_c_reads_the_one_letter_flag() -> None:
    before = 'import os\n\nC = float(os.environ.get("SM_HP_C", "1.0"))\n'
    after = (
        "import os\n\n"
        + HELPERS["_liftshift_arg"]
        + '\n\nC = float(_liftshift_arg("-C", None, "1.0"))\n'
    )
    assert_codemod(RULE, before, after, context(hyperparameters={"C": 0.5}), dedent=False)


@pytest.mark.parametrize(
    ("read", "hyperparameters", "expected"),
    [
        ('os.environ["SM_HP_K"]', {}, '_liftshift_arg("-k", None, None)'),
        ('os.environ["SM_HP_K"]', {"K": 3}, '_liftshift_arg("-K", None, None)'),
        ('os.environ["SM_HP_LR"]', {"lr": 3}, '_liftshift_arg("--lr", None, None)'),
        ('"SM_HP_C" in os.environ', {"C": 1}, '_liftshift_arg("-C") is not None'),
        (
            'os.environ[f"SM_HP_{name.upper()}"]',
            {},
            '_liftshift_arg(("--" if len(str(name).lower()) > 1 else "-") + str(name).lower())',
        ),
    ],
)
def test_every_sm_hp_read_style(read: str, hyperparameters: dict, expected: str) -> None:
    source = f'import os\n\nname = "c"\nvalue = {read}\n'
    ctx = context(hyperparameters=hyperparameters)
    once = run(RULE, source, ctx)
    assert f"value = {expected}\n" in helpers_free(once)
    assert run(RULE, once, context(hyperparameters=hyperparameters)) == once


def test_a_trainer_declaring_c_is_left_as_it_is() -> None:
    source = (
        "import argparse\n\nparser = argparse.ArgumentParser()\n"
        'parser.add_argument("-C", type=float, default=1.0)\nargs = parser.parse_args()\n'
    )
    assert run(RULE, source, context(channels=[], hyperparameters={"C": 0.5})) == source


def _hyperparameters(argv: list[str], *paths: str) -> dict:
    namespace: dict = {}
    exec(HELPERS["_liftshift_hyperparameters"], namespace)  # our own helper's text
    saved = sys.argv
    sys.argv = ["task.py", *argv]
    try:
        return json.loads(namespace["_liftshift_hyperparameters"](*paths))
    finally:
        sys.argv = saved


def test_sm_hps_takes_one_letter_keys_and_negative_values() -> None:
    argv = ["-C", "0.5", "-k", "-1", "--lr", "-0.5", "--name", "cnn", "--verbose"]
    argv += ["-t", "/gcs/b/train", "--test", "/gcs/b/test", "--job-dir", "/gcs/b/model"]
    assert _hyperparameters(argv, "-t", "--test") == {
        "C": 0.5,
        "k": -1,
        "lr": -0.5,
        "name": "cnn",
    }
    # a value that looks like a short flag is not a key; a flag followed by a key has no value
    assert _hyperparameters(["-x", "-y", "2", "--a", "-inf"]) == {"y": 2, "a": "-inf"}


ONE_LETTER_PROJECT = {
    "train.py": """\
        import argparse
        import json
        import os

        import joblib
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("-C", type=float, default=1.0)
            parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAIN"])
            parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
            args = parser.parse_args()
            hps = json.loads(os.environ["SM_HPS"])
            from_env = float(os.environ.get("SM_HP_C", "1.0"))
            data = np.loadtxt(os.path.join(args.train, "data.csv"), delimiter=",")
            model = LogisticRegression(C=args.C).fit(data[:, 1:], data[:, 0])
            joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
            print(json.dumps({"C": model.C, "hps": hps, "env": from_env}))
        """,
}


def test_a_trainer_declaring_c_trains_with_the_passed_value(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", ONE_LETTER_PROJECT)
    migrated = migrate(root, "train.py", {"train": "--train"}, {"C": 0.25})
    assert not migrated.result.errors, migrated.result.errors
    task = migrated.text("trainer/task.py")
    assert 'parser.add_argument("-C", type=float, default=1.0)' in task
    assert '_liftshift_arg("-C", None, "1.0")' in task
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("0,1.0\n1,2.0\n0,1.5\n1,2.5\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    printed = json.loads(completed.stdout.strip().splitlines()[-1])
    assert printed == {"C": 0.25, "hps": {"C": 0.25}, "env": 0.25}
    assert (model_dir / "model.joblib").is_file()


def test_the_flag_check_knows_what_the_backends_pass(tmp_path: Path) -> None:
    """``-C`` required: the backends pass it. ``--C`` required: they do not (SageMaker did not
    either), and the migration says so at the line."""
    declared = {
        "train.py": """\
            import argparse
            import os

            parser = argparse.ArgumentParser()
            parser.add_argument("-C", type=float, required=True)
            parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
            args = parser.parse_args()
            print(args.C, args.model_dir)
            """
    }
    ok = migrate(write_project(tmp_path / "ok", declared), "train.py", {}, {"C": 0.5})
    assert not ok.result.errors, ok.result.errors
    long = {"train.py": declared["train.py"].replace('"-C"', '"--C"')}
    bad = migrate(write_project(tmp_path / "bad", long), "train.py", {}, {"C": 0.5})
    messages = [entry.message for entry in bad.result.errors]
    assert any(message.startswith("--C is required=True") for message in messages), messages
