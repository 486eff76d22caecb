"""Issue 11 item 3: the flags the backends pass are the ones the migrated script reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import libcst as cst
import pytest

from liftshift.codemods.ls002_job_dir import RULE as LS002
from liftshift.codemods.scriptflags import (
    channel_argument,
    declared_arguments,
    model_dir_argument,
)
from liftshift.migrator.flagcheck import PARSE_HOLDER, attribute_reads, check_entry, parse_holders
from tests.codemods.helpers import (
    assert_finds_what_the_pattern_finds,
    corpus_sources,
    helpers_free,
    run,
)
from tests.codemods.vertexrun import migrate, run_job, write_project

HELPER_MODULE_PROJECT = {
    "utils/__init__.py": "",
    "utils/env.py": """\
        import os


        def sm_path(name):
            return os.environ.get("SM_CHANNEL_" + name.upper()) or os.environ.get("SM_MODEL_DIR")
        """,
    "train.py": """\
        import argparse
        import json
        import os

        import joblib
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        from utils.env import sm_path


        class Model:
            def __init__(self, C=1.0):
                self.estimator = LogisticRegression(C=C)


        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("-C", type=float, default=1.0)
            parser.add_argument("--train", type=str, default=sm_path("training"))
            parser.add_argument("--model-dir", type=str, default=sm_path("model"))
            args = parser.parse_args()
            hps = json.loads(os.environ["SM_HPS"])
            model = Model(**hps).estimator
            data = np.loadtxt(os.path.join(args.train, "data.csv"), delimiter=",")
            model.fit(data[:, 1:], data[:, 0])
            print("trained on", len(data), "rows")
            joblib.dump(model, os.path.join(args.model_dir, "clf.joblib"))
        """,
}


def test_script_flags_are_matched_to_channels() -> None:
    arguments = declared_arguments(
        'p.add_argument("--train", type=str, default=sm_path("training"))\n'
        "p.add_argument('--val-dir', default=None)\n"
        'p.add_argument("--data", default=os.environ.get("SM_CHANNEL_EXTRA"))\n'
        'p.add_argument("--epochs", type=int)\n'
    )
    assert channel_argument(arguments, "training") == "--train"
    assert channel_argument(arguments, "validation") == "--val-dir"
    assert channel_argument(arguments, "extra") == "--data"
    assert channel_argument(arguments, "test") is None
    numbers = declared_arguments(
        'p.add_argument("--test-size", type=float, default=0.2)\n'
        'p.add_argument("--testing", action="store_true")\n'
        'p.add_argument("--mode", choices=["train", "test"], default="test")\n'
    )
    assert channel_argument(numbers, "test") is None


def test_tf_script_modes_model_dir_is_not_the_model_folder() -> None:
    tf_style = declared_arguments('p.add_argument("--model_dir", type=str)\n')
    assert model_dir_argument(tf_style) is None
    own = declared_arguments('p.add_argument("--model-dir", default=helper("model"))\n')
    assert model_dir_argument(own) == "--model-dir"


def test_own_model_dir_flag_gets_job_dir_not_a_new_argument() -> None:
    source = (
        "import argparse\n\nfrom utils import sm_path\n\n"
        "parser = argparse.ArgumentParser()\n"
        'parser.add_argument("--model-dir", type=str, default=sm_path("model"))\n'
        "args = parser.parse_args()\nprint(args.model_dir)\n"
    )
    once = run(LS002, source)
    assert helpers_free(once) == (
        "import argparse\n\nfrom utils import sm_path\n\n\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument(\n"
        '    "--model-dir",\n    "--job-dir",\n    type=_liftshift_model_folder,\n'
        '    default=sm_path("model"),\n)\n'
        "args = parser.parse_args()\nprint(args.model_dir)\n"
    )
    assert {"_liftshift_path", "_liftshift_folder", "_liftshift_model_folder"} <= set(
        re.findall(r"^def (_liftshift_\w+)", once, re.MULTILINE)
    )
    assert run(LS002, once) == once
    untouched = "import argparse\np = argparse.ArgumentParser()\np.add_argument('--epochs')\n"
    assert "--job-dir" in run(LS002, untouched, entry=True)
    assert run(LS002, untouched, entry=False) == untouched


def test_tf_model_dir_required_by_sagemaker_is_no_longer_required() -> None:
    out = helpers_free(
        run(
            LS002,
            "import argparse, os\np = argparse.ArgumentParser()\n"
            'p.add_argument("--model_dir", type=str, required=True)\n'
            'p.add_argument("--sm-model-dir", default=os.environ["SM_MODEL_DIR"])\n',
        )
    )
    assert "required" not in out
    assert (
        'p.add_argument("--model_dir", type=str, default=os.environ.get("AIP_CHECKPOINT_DIR"))'
        in out
    )


def test_helper_module_project_passes_the_scripts_own_flags(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", HELPER_MODULE_PROJECT)
    migrated = migrate(root, "train.py", {"training": "--training"}, {"C": 0.5})
    assert not migrated.result.errors, migrated.result.errors
    task = migrated.text("trainer/task.py")
    # no flag nothing reads: the plan now passes the script's own --train
    assert [c.argument for c in migrated.plan.data.channels] == ["--train"]
    assert '"--training"' not in task
    assert task.count("add_argument") == 3
    assert '"--model-dir",\n        "--job-dir",' in task
    assert (
        'parser.add_argument("--train", type=_liftshift_path, default=sm_path("training"))' in task
    )
    assert '_liftshift_hyperparameters("--train")' in task
    # on the local Vertex contract: trains on the channel's rows, hyperparameters only in hps
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("0,1.0\n1,2.0\n0,1.5\n1,2.5\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"training": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "trained on 4 rows" in completed.stdout
    assert (model_dir / "model.joblib").is_file()


def test_required_channel_stays_required_on_the_local_contract(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "train.py": """\
            import os

            train_dir = os.environ["SM_CHANNEL_TRAIN"]
            print(sorted(os.listdir(train_dir)))
            """
        },
    )
    migrated = migrate(root, "train.py", {"train": ""})
    assert migrated.plan.data.channels[0].argument == "--train"
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("1\n", encoding="utf-8")
    completed, _ = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "['a.csv']" in completed.stdout


def _problems(code: str, passed: list[tuple[str, str]], others: list[str] | None = None):
    module = cst.parse_module(code)
    return [p.message for p in check_entry(module, code, passed, others or [])]


def test_check_accepts_declared_and_helper_read_flags() -> None:
    code = (
        "import argparse\np = argparse.ArgumentParser()\n"
        "p.add_argument('--train')\np.add_argument('--job-dir', dest='job_dir')\n"
        "args, _ = p.parse_known_args()\nprint(args.train, args.job_dir)\n"
        "test = _liftshift_arg('--test', None, None)\n"
    )
    passed = [("--train", "train"), ("--test", "test"), ("--job-dir", "model")]
    assert _problems(code, passed) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (  # strict parser without the channel's flag: argparse exits 2
            "import argparse\np = argparse.ArgumentParser()\np.add_argument('--job-dir')\n"
            "args = p.parse_args()\n",
            "the backends pass --train",
        ),
        (  # no parser, nothing reads the flag: the job trains on nothing
            "import os\nprint(os.listdir('.'))\n",
            "nothing reads it",
        ),
        (  # args.<name> no argument defines
            "import argparse\np = argparse.ArgumentParser()\np.add_argument('--train')\n"
            "p.add_argument('--job-dir', dest='job_dir')\nargs = p.parse_args()\n"
            "print(args.model_dir)\n",
            "args.model_dir is read but no argument defines it",
        ),
    ],
)
def test_check_reports_flags_nothing_reads(code: str, expected: str) -> None:
    problems = _problems(code, [("--train", "train"), ("--job-dir", "model")])
    assert any(expected in problem for problem in problems), problems


def test_a_violation_is_an_error_of_the_migration(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "helpers.py": """\
            import os


            def channel(name):
                return os.environ["TRAIN_DATA"]
            """,
            "train.py": """\
            from helpers import channel

            print(channel("train"))  # the plan's --train: nothing reads it
            """,
        },
    )
    from liftshift.foundation.plan import ChannelPlan, Plan
    from liftshift.migrator.migrate import migrate_project

    plan = Plan()
    plan.code.entry_point = "train.py"
    plan.data.channels = [ChannelPlan(name="train", argument="--train")]
    result = migrate_project(root, plan=plan, launchers=[])
    messages = [entry.message for entry in result.errors]
    assert any("--train" in message and "nothing reads it" in message for message in messages)
    assert json.dumps(result.to_dict())  # reported like any other entry


def test_required_flags_trainer_on_the_local_contract(tmp_path: Path) -> None:
    """SageMaker passed --model_dir and SM_*; the Vertex AI contract passes neither: the
    migrated trainer still parses, reads its channel and gets only hyperparameters in hps."""
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "pattern_required_channel_flags.py"
    root = write_project(tmp_path / "project", {"train.py": corpus.read_text(encoding="utf-8")})
    migrated = migrate(root, "train.py", {"training": ""}, {"learning-rate": 0.5})
    assert not migrated.result.errors, migrated.result.errors
    assert [c.argument for c in migrated.plan.data.channels] == ["--train"]
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"training": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "{'learning-rate': 0.5}" in completed.stdout
    assert (model_dir.parent / "output" / "data" / "summary.csv").is_file()


def test_a_required_flag_the_backends_do_not_pass_is_an_error() -> None:
    code = (
        "import argparse\np = argparse.ArgumentParser()\n"
        "p.add_argument('--epochs', type=int, required=True)\n"
        "p.add_argument('--job-dir', dest='job_dir')\nargs = p.parse_args()\n"
    )
    module = cst.parse_module(code)
    passed = [("--job-dir", "model")]
    problems = [p.message for p in check_entry(module, code, passed, [])]
    assert any("--epochs is required=True but the backends do not pass it" in p for p in problems)
    assert check_entry(module, code, passed, [], {"--epochs"}) == []


def test_the_plan_file_names_the_scripts_own_flag(tmp_path: Path) -> None:
    from liftshift.foundation.plan import ChannelPlan, Plan, load_plan, save_plan
    from liftshift.migrator.apply import apply_changeset
    from liftshift.migrator.migrate import migrate_project

    root = write_project(tmp_path / "project", HELPER_MODULE_PROJECT)
    plan = Plan()
    plan.code.entry_point = "train.py"
    plan.data.channels = [ChannelPlan(name="training", argument="--training")]
    save_plan(plan, root)
    result = migrate_project(root)
    assert not result.errors, result.errors
    assert 'argument = "--train"' in result.changeset.get("liftshift.toml").after
    apply_changeset(result.changeset, root)
    assert load_plan(root).data.channels[0].argument == "--train"
    assert not migrate_project(root).changeset  # the migrated project is stable


def test_attribute_reads_are_the_boundary_pattern_s_own_matches() -> None:
    """The literal-first search finds exactly what ``\\b<holder>\\.(name)`` finds."""
    texts = [
        *corpus_sources(),
        "xargs.args.lr + args.epochs\nargs.args.x _args.y éargs.z (args.w)",
        "args.1 args._x args.a1 args.\nargs.b",
        "args.lr",
        "",
    ]
    for holder in ("args", "opts", "a"):
        found = [attribute_reads(holder, text) for text in texts]
        assert found == [re.findall(rf"\b{holder}\.([A-Za-z]\w*)", text) for text in texts]
    assert any(attribute_reads("args", text) for text in texts)


def test_parse_holders_are_the_pattern_s_own_matches() -> None:
    """Searching only before each ``.parse_args(`` finds exactly what PARSE_HOLDER finds."""
    edge_cases = [
        "import os\nargs = parser.parse_args()\nopts, rest = p.parse_known_args(x)",
        "args =\n  parser.parse_args(\nx = f(a).parse_args(\n\tb , c = q.r.parse_args(",
        "a = b.parse_args.parse_args(\nz = y.parse_args()(w.parse_args(",
        "args = parser.parse_args()",
        "",
    ]
    assert_finds_what_the_pattern_finds(parse_holders, PARSE_HOLDER, edge_cases)
