"""Issue 11 item 2: environment reads in every style are converted or tagged."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from liftshift.codemods.base import FileContext
from liftshift.codemods.ls002_job_dir import RULE as LS002
from liftshift.codemods.ls003_sm_env import RULE as LS003
from liftshift.codemods.passes import run_passes
from tests.codemods.helpers import context, helpers_free
from tests.codemods.vertexrun import migrate, run_job, write_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def both(source: str, **overrides: object) -> str:
    ctx = context(selected_rules={"LS002", "LS003"}, **overrides)
    fctx = FileContext("train.py", True, ctx, source)
    makers = [LS002.make_pass, LS003.make_pass]
    once = run_passes(cst.parse_module(source), fctx, makers).code
    again = run_passes(cst.parse_module(once), FileContext("train.py", True, ctx, once), makers)
    assert again.code == once, "not idempotent"
    return once


def test_os_aliases_are_reads_too() -> None:
    out = helpers_free(
        both(
            "import os as _os\nfrom os import environ as env, getenv as ge\n"
            "a = env['SM_NUM_GPUS']\nb = ge('SM_CHANNEL_TRAIN')\nc = _os.environ['SM_HOSTS']\n"
        )
    )
    assert "a = _liftshift_num_gpus()" in out
    assert "b = _liftshift_path(_liftshift_arg('--train', None, None))" in out
    assert "c = _liftshift_hosts()" in out
    assert "TODO" not in out


def test_presence_guards_keep_their_branch_reachable() -> None:
    out = helpers_free(
        both(
            "import os\n"
            "if 'SM_CHANNEL_TRAIN' in os.environ:\n    d = os.environ['SM_CHANNEL_TRAIN']\n"
            "if 'SM_MODEL_DIR' not in os.environ:\n    m = 'model'\n"
            "cloud = ('SM_HOSTS' in os.environ)\n"
        )
    )
    assert "if _liftshift_arg('--train') is not None:" in out
    assert "if _liftshift_arg('--job-dir', 'AIP_MODEL_DIR') is None:" in out
    assert "cloud = ('CLOUD_ML_JOB_ID' in os.environ)" in out
    assert "TODO" not in out


def test_names_built_at_run_time_look_the_channel_up() -> None:
    out = helpers_free(both("import os\nd = os.environ[f'SM_CHANNEL_{name.upper()}']\n"))
    assert (
        "d = _liftshift_path(_liftshift_arg({'train': '--train', 'test': '--test'}"
        ".get(str(name).lower())))" in out
    )
    unknown = both("import os\nd = os.environ['SM_' + kind + '_DIR']\n")
    assert "LS003: environment variable name built at run time" in unknown


def test_toolkit_environment_attributes_become_vertex_reads() -> None:
    out = both(
        "from sagemaker_training import environment\n\n"
        "env = environment.Environment()\n"
        "train = env.channel_input_dirs['train']\nmodel_dir = env.model_dir\n"
        "hps = env.hyperparameters\ngpus = env.num_gpus\nhosts = env.hosts\n"
    )
    body = helpers_free(out)
    assert "sagemaker_training" not in body and "Environment" not in body
    assert "train = _liftshift_path(_liftshift_arg('--train', None, None))" in body
    assert "hps = json.loads(_liftshift_hyperparameters('--train', '--test'))" in body
    assert "gpus = int(_liftshift_num_gpus())" in body
    assert "hosts = json.loads(_liftshift_hosts())" in body
    assert "import json" in body


def test_toolkit_environment_with_an_unknown_attribute_keeps_its_todo() -> None:
    out = both(
        "import sagemaker_containers\n\nenv = sagemaker_containers.training_env()\n"
        "print(env.module_dir, env.model_dir)\n"
    )
    assert "env = sagemaker_containers.training_env()" in out
    assert "LS003: sagemaker_containers only exists in SageMaker containers" in out


def test_config_json_files_are_rebuilt_from_the_job() -> None:
    out = both("import json\nhp = json.load(open('/opt/ml/input/config/hyperparameters.json'))\n")
    assert (
        "hp = json.load(open(os.path.join(_liftshift_config_dir({'train': '--train', 'test': "
        "'--test'}), 'hyperparameters.json')))" in helpers_free(out)
    )
    assert "TODO" not in out
    other = both("p = '/opt/ml/input/config/checkpointconfig.json'\n")
    assert "LS003: /opt/ml/input/config/checkpointconfig.json is a SageMaker container" in other


def test_helper_in_another_module_is_read_through(tmp_path: Path) -> None:
    """A new user's project: paths read through a helper in another module. Once migrated,
    the job trains on the channel's rows (not on zero batches)."""
    root = write_project(
        tmp_path / "project",
        {
            "utils/__init__.py": "",
            "utils/env.py": """\
            import os


            def sm_path(name):
                return os.environ.get("SM_CHANNEL_" + name.upper())


            def sm_model_dir(name):
                return os.environ[name]
            """,
            "train.py": """\
            import os

            import numpy as np

            from utils.env import sm_model_dir, sm_path

            data = np.loadtxt(os.path.join(sm_path("train"), "data.csv"), delimiter=",", ndmin=2)
            print("rows", len(data))
            np.save(os.path.join(sm_model_dir("SM_MODEL_DIR"), "mean.npy"), data.mean(axis=0))
            """,
        },
    )
    migrated = migrate(root, "train.py", {"train": ""})
    assert not migrated.result.errors, migrated.result.errors
    task = migrated.text("trainer/task.py")
    assert 'sm_path("train")' not in task and 'sm_model_dir("SM_MODEL_DIR")' not in task
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("1,2\n3,4\n5,6\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "rows 3" in completed.stdout
    assert (model_dir / "mean.npy").is_file()


def test_env_styles_trainer_on_the_local_contract(tmp_path: Path) -> None:
    source = (CORPUS / "pattern_env_styles.py").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""})
    task = migrated.text("trainer/task.py")
    assert "TODO(liftshift): LS003" not in task  # every read converted
    # mean.npy is no format a prebuilt prediction container loads: said at the save
    assert "LS005: this writes mean.npy into the model folder by hand" in task
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("1,2\n3,4\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    # the guarded branch ran (not the local fallback), and the job knows it is on the platform
    assert "rows 2 platform True ['train'] hosts ['localhost']" in completed.stdout
    assert (model_dir / "mean.npy").is_file()


def test_toolkit_environment_trainer_on_the_local_contract(tmp_path: Path) -> None:
    source = (CORPUS / "sagemaker_training_env.py").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""}, {"C": 0.5})
    assert "sagemaker_training" not in migrated.text("trainer/task.py")
    data = tmp_path / "data"
    data.mkdir()
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (model_dir / "model.joblib").is_file()


def test_config_dir_helper_writes_what_sagemaker_did(monkeypatch) -> None:
    import json

    from liftshift.codemods.runtime import HELPERS

    namespace: dict = {}
    for name in ("_liftshift_hyperparameters", "_liftshift_cluster", "_liftshift_config_dir"):
        exec(HELPERS[name], namespace)
    argv = ["task", "--epochs", "3", "--optimizer", "adam", "--train", "/d", "--job-dir", "/m"]
    monkeypatch.setattr("sys.argv", argv)
    monkeypatch.delenv("CLUSTER_SPEC", raising=False)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    folder = Path(namespace["_liftshift_config_dir"]({"train": "--train"}))
    hyperparameters = json.loads((folder / "hyperparameters.json").read_text())
    assert hyperparameters == {"epochs": "3", "optimizer": '"adam"'}
    resources = json.loads((folder / "resourceconfig.json").read_text())
    assert resources == {"current_host": "localhost", "hosts": ["localhost"]}
    assert json.loads((folder / "inputdataconfig.json").read_text()) == {
        "train": {"TrainingInputMode": "File"}
    }
