"""Issue 11 item 6: S3 access, env writes, f-string quotes (and the rest of the folder)."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from liftshift.codemods.base import FileContext
from liftshift.codemods.ls002_job_dir import RULE as LS002
from liftshift.codemods.ls003_sm_env import RULE as LS003
from liftshift.codemods.ls004_gcs_input import RULE as LS004
from liftshift.codemods.passes import run_passes
from liftshift.foundation.plan import Plan
from liftshift.migrator.migrate import migrate_project
from tests.codemods.helpers import context, helpers_free, run
from tests.codemods.vertexrun import migrate, run_job, write_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def both(source: str) -> str:
    ctx = context(selected_rules={"LS002", "LS003"})
    fctx = FileContext("train.py", True, ctx, source)
    return run_passes(cst.parse_module(source), fctx, [LS002.make_pass, LS003.make_pass]).code


def test_scheme_checks_are_not_s3_reads() -> None:
    source = (
        "if uri.startswith('s3://'):\n    key = uri.replace('s3://bucket/', '')\n"
        "if uri[:5] == 's3://':\n    pass\nscheme = 's3://'\n"
    )
    assert run(LS004, source) == source


def test_boto3_s3fs_and_aws_cli_are_tagged_once() -> None:
    source = (
        "import boto3, os, s3fs\ns3 = boto3.client('s3')\nfs = s3fs.S3FileSystem()\n"
        "os.system('aws s3 sync s3://b/data /tmp/data')\nsm = boto3.client('sagemaker')\n"
    )
    out = run(LS004, source)
    assert out.count("# TODO(liftshift): LS004: reads data from S3 with boto3") == 1
    assert out.count("# TODO(liftshift): LS004: reads data from S3 with s3fs") == 1
    assert out.count("# TODO(liftshift): LS004: copies data with the AWS CLI") == 1
    assert "reads s3://b/data" not in out
    assert run(LS004, out) == out


def test_an_sm_variable_being_set_is_never_made_a_call() -> None:
    out = both("import json, os\nos.environ['SM_HOSTS'] = json.dumps(['algo-1'])\n")
    assert "os.environ['SM_HOSTS'] = json.dumps(['algo-1'])" in out
    assert "LS003: sets SM_HOSTS for code that reads it" in out
    compile(out, "train.py", "exec")
    assert both(out) == out


def test_reads_inside_f_strings_use_the_other_quote() -> None:
    """Python 3.11 rejects an f-string's own quote inside its braces."""
    out = both(
        "import os\n"
        "print(f\"{os.environ['SM_MODEL_DIR']}/model and {os.environ.get('SM_CHANNEL_TRAIN')}\")\n"
        "print(f'{os.environ[\"SM_HOSTS\"]}')\n"
    )
    compile(out, "train.py", "exec")  # this interpreter is 3.11: it parses as 3.11 does
    body = helpers_free(out)
    assert "print(f\"{_liftshift_folder(_liftshift_path(_liftshift_arg('--job-dir'," in body
    assert "print(f'{_liftshift_hosts()}')" in body
    assert both(out) == out


def test_sagemaker_data_parallel_becomes_torch_distributed() -> None:
    source = (
        "import smdistributed.dataparallel.torch.torch_smddp\n"
        "import smdistributed.dataparallel.torch.distributed as dist\n"
        "from smdistributed.dataparallel.torch.parallel.distributed import "
        "DistributedDataParallel as DDP\nimport torch\n\n"
        "dist.init_process_group(backend='smddp')\n"
    )
    out = both(source)
    assert "smdistributed" not in out and "smddp" not in out
    assert "import torch.distributed as dist\n" in out
    assert "from torch.nn.parallel import DistributedDataParallel as DDP\n" in out
    assert "dist.init_process_group(backend='nccl')" in out
    assert both(out) == out


def test_horovod_is_tagged_with_what_vertex_ai_does_instead() -> None:
    out = both("import horovod.torch as hvd\nhvd.init()\n")
    assert "LS003: Horovod ran under the mpirun SageMaker started" in out


def test_legacy_train_function_gets_a_main_block(tmp_path: Path) -> None:
    source = (CORPUS / "pattern_legacy_train_fn.py").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""}, {"lr": 0.1})
    assert not migrated.result.errors, migrated.result.errors
    assert 'if __name__ == "__main__":' in migrated.text("trainer/task.py")
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("1,2\n3,4\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "legacy train on 2 rows, lr 0.1 gpus 0" in completed.stdout
    assert sorted(p.name for p in model_dir.iterdir()) == ["mean.npy", "meta.json"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "import tensorflow as tf\n\n\ndef estimator_fn(run_config, params):\n    return None\n"
            "\n\ndef train_input_fn(training_dir, params):\n    return None\n",
            "legacy TensorFlow script mode",
        ),
        ("import os\n\n\ndef helper():\n    return os.sep\n", "only defines functions"),
    ],
)
def test_a_module_that_runs_nothing_is_refused(tmp_path: Path, source: str, message: str) -> None:
    root = write_project(tmp_path / "project", {"train.py": source})
    plan = Plan()
    plan.code.entry_point = "train.py"
    result = migrate_project(root, plan=plan, launchers=[])
    assert any(message in entry.message for entry in result.errors), result.entries


def test_other_scripts_reading_sagemaker_are_reported(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "train.py": "import os\nprint(os.environ['SM_CHANNEL_TRAIN'])\n",
            "preprocess.py": "import os\n\nout = os.environ['SM_OUTPUT_DATA_DIR']\n",
            "plot.py": "print('no SageMaker here')\n",
        },
    )
    migrated = migrate(root, "train.py", {"train": ""})
    notes = [
        (e.path, e.line)
        for e in migrated.result.entries
        if e.severity == "note" and e.rule == "LS003"
    ]
    assert notes == [("preprocess.py", 3)]
