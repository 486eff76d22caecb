"""Issue 11 item 6: S3 access, env writes, f-string quotes (and the rest of the folder)."""

from __future__ import annotations

import libcst as cst

from liftshift.codemods.base import FileContext
from liftshift.codemods.ls002_job_dir import RULE as LS002
from liftshift.codemods.ls003_sm_env import RULE as LS003
from liftshift.codemods.ls004_gcs_input import RULE as LS004
from liftshift.codemods.passes import run_passes
from tests.codemods.helpers import context, helpers_free, run


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
