"""The local SageMaker runtime against the training toolkit's contract (DESIGN.md §2 and
sagemaker-training-toolkit's environment.py / mapping.py): variables, config files, the
command line, and /opt/ml literals redirected in a throwaway copy only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from liftshift.verify import sagemaker
from liftshift.verify.sagemaker import ChannelData, TrainingJobInput

DUMP = """\
import json, os, sys
# /opt/ml in a comment stays as it is
OUT = "/opt/ml/output/data"
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "seen.json"), "w") as handle:
    json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(),
               "env": {k: v for k, v in os.environ.items() if k.startswith("SM_")},
               "model": f"/opt/ml/model"}, handle)
"""


def _job(tmp_path: Path, **changes) -> TrainingJobInput:
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text(DUMP, encoding="utf-8")
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    fields = {
        "entry_point": "train.py",
        "source_dir": source,
        "hyperparameters": {
            "n-estimators": 200,
            "features": "Pclass Sex",
            "k": 3,
            "flag": True,
            "rate": 0.001,
            "sagemaker_region": "eu-west-1",
        },
        "channels": (ChannelData("train", (("train.csv", data),)), ChannelData("test", ())),
        "framework": "sklearn",
        "instance_type": "ml.m5.xlarge",
        "job_name": "job-1",
    }
    return TrainingJobInput(**{**fields, **changes})


def test_command_line_renders_hyperparameters_as_the_toolkit_does() -> None:
    args = sagemaker.to_cmd_args(
        {"n-estimators": 200, "k": 3, "flag": True, "rate": 0.001, "cfg": {"b": 2, "a": 1}}
    )
    assert args == [
        "--cfg", "a=1,b=2",
        "--flag", "True",
        "-k", "3",
        "--n-estimators", "200",
        "--rate", "0.001",
    ]  # fmt: skip


def test_environment_and_config_files_follow_the_toolkit_contract(tmp_path: Path) -> None:
    root = tmp_path / "opt-ml"
    run = sagemaker.prepare(_job(tmp_path), root, cpus=2)
    env = run.env
    assert env["SM_MODEL_DIR"] == str(root / "model")
    assert env["SM_OUTPUT_DATA_DIR"] == str(root / "output" / "data")
    assert env["SM_OUTPUT_DIR"] == str(root / "output")
    assert env["SM_INPUT_DIR"] == str(root / "input")
    assert env["SM_INPUT_CONFIG_DIR"] == str(root / "input" / "config")
    assert env["SM_MODULE_DIR"] == str(root / "code")
    assert env["SM_CHANNELS"] == '["test","train"]'
    assert env["SM_CHANNEL_TRAIN"] == str(root / "input" / "data" / "train")
    assert (root / "input" / "data" / "train" / "train.csv").is_file()
    assert env["SM_HOSTS"] == '["algo-1"]' and env["SM_CURRENT_HOST"] == "algo-1"
    assert env["SM_NUM_GPUS"] == "0" and env["SM_NUM_CPUS"] == "2"
    # hyperparameters: sagemaker_* dropped, key upper-cased with its hyphen kept, JSON values
    hps = json.loads(env["SM_HPS"])
    assert hps == {
        "n-estimators": 200,
        "features": "Pclass Sex",
        "k": 3,
        "flag": True,
        "rate": 0.001,
    }
    assert env["SM_HP_N-ESTIMATORS"] == "200"
    assert env["SM_HP_FEATURES"] == "Pclass Sex"
    assert env["SM_HP_FLAG"] == "true"
    assert json.loads(env["SM_USER_ARGS"]) == run.command_args[1:]
    assert run.command_args[0] == "train.py"
    training_env = json.loads(env["SM_TRAINING_ENV"])
    for key in (
        "channel_input_dirs", "current_host", "hosts", "hyperparameters", "input_config_dir",
        "input_data_config", "input_dir", "job_name", "log_level", "model_dir", "module_dir",
        "module_name", "num_cpus", "num_gpus", "output_data_dir", "output_dir",
        "output_intermediate_dir", "resource_config", "user_entry_point", "framework_module",
        "network_interface_name", "is_master", "master_hostname",
    ):  # fmt: skip
        assert key in training_env, key
    assert training_env["module_name"] == "train"
    assert training_env["channel_input_dirs"]["test"] == str(root / "input" / "data" / "test")
    config = root / "input" / "config"
    uploaded = json.loads((config / "hyperparameters.json").read_text())
    assert uploaded["n-estimators"] == "200"  # each value JSON-encoded, as the SDK uploads
    assert uploaded["features"] == '"Pclass Sex"'
    assert uploaded["sagemaker_program"] == '"train.py"'
    resource = json.loads((config / "resourceconfig.json").read_text())
    assert resource["current_host"] == "algo-1" and resource["hosts"] == ["algo-1"]
    assert resource["current_instance_type"] == "ml.m5.xlarge"
    channels = json.loads((config / "inputdataconfig.json").read_text())
    assert set(channels) == {"train", "test"}
    assert channels["train"]["TrainingInputMode"] == "File"
    assert env["SM_RESOURCE_CONFIG"] == json.dumps(resource, sort_keys=True, separators=(",", ":"))


def test_tensorflow_gets_model_dir_as_a_local_stand_in(tmp_path: Path) -> None:
    run = sagemaker.prepare(_job(tmp_path, framework="tensorflow"), tmp_path / "root")
    args = run.command_args
    assert args[args.index("--model_dir") + 1] == str(tmp_path / "root" / "s3-model_dir")
    assert any("--model_dir" in note for note in run.notes)


def test_opt_ml_literals_are_redirected_in_the_copy_only(tmp_path: Path) -> None:
    root = tmp_path / "root"
    job = _job(tmp_path)
    run = sagemaker.prepare(job, root)
    assert (job.source_dir / "train.py").read_text() == DUMP  # the original is untouched
    copied = (run.code_dir / "train.py").read_text()
    assert "# /opt/ml in a comment stays as it is" in copied
    assert f'OUT = "{root}/output/data"' in copied
    assert run.redirected == {"train.py": 2}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")} | run.env
    subprocess.run([sys.executable, *run.command_args], cwd=run.code_dir, env=env, check=True)
    seen = json.loads((run.output_data_dir / "seen.json").read_text())
    assert seen["model"] == f"{root}/model"
    assert seen["cwd"] == str(run.code_dir)
    assert seen["argv"][:2] == ["--features", "Pclass Sex"]
    assert seen["env"]["SM_MODEL_DIR"] == str(root / "model")


def test_redirect_leaves_code_and_comments_alone() -> None:
    text = 'path = "/opt/ml/model"  # /opt/ml\nname = opt_ml = 1\nf = f"{x}/opt/ml/in"\n'
    new, count = sagemaker.redirect_literals(text, "/r")
    assert new == 'path = "/r/model"  # /opt/ml\nname = opt_ml = 1\nf = f"{x}/r/in"\n'
    assert count == 2
    broken = 'x = "/opt/ml\n'
    assert sagemaker.redirect_literals(broken, "/r") == (broken, 0)
