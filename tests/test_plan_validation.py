"""Issue 13 item 11: every plan value is checked when liftshift.toml is loaded, before anything
runs or costs money; the message names the file, the key and the rule, markup intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import (
    ChannelPlan,
    IamGrantPlan,
    Plan,
    PlanError,
    load_plan,
    save_plan,
)


def a_plan() -> Plan:
    plan = Plan()
    plan.training.staging_bucket = "my-staging"
    plan.data.channels.append(
        ChannelPlan("train", "s3://src-bucket/train", "gs://dst-bucket/train", "--train", "data")
    )
    return plan


def write(tmp_path: Path, old: str, new: str) -> Path:
    save_plan(a_plan(), tmp_path)
    path = tmp_path / "liftshift.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path


CASES = [
    (
        'destination = "gs://dst-bucket/train"',
        'destination = "s3://dst-bucket/train"',
        "data.channels[0].destination: 's3://dst-bucket/train' must be a gs:// URI",
    ),
    (
        'destination = "gs://dst-bucket/train"',
        'destination = "gs://Bad_Bucket!!/train"',
        "data.channels[0].destination: 'Bad_Bucket!!' is not a Cloud Storage bucket name",
    ),
    (
        'destination = "gs://dst-bucket/train"',
        'destination = "gs://UPPER CASE bucket/x"',
        "data.channels[0].destination: 'UPPER CASE bucket' is not a Cloud Storage bucket name",
    ),
    (
        'source = "s3://src-bucket/train"',
        'source = "s3://bad bucket name/train"',
        "data.channels[0].source: 'bad bucket name' is not an S3 bucket name",
    ),
    ("version = 1", "version = 99", "version: 99 is not a plan version this liftshift reads"),
    (
        "timeout_hours = 0.0",
        "timeout_hours = -5",
        "training.timeout_hours: -5.0 must be a positive number of hours",
    ),
    (
        'sample_data = "data"',
        'sample_data = "/etc/hostname"',
        "data.channels[0].sample_data: '/etc/hostname' must be a folder or file inside the project",
    ),
    (
        'sample_data = "data"',
        'sample_data = "../../etc"',
        "data.channels[0].sample_data: '../../etc' must be a folder or file inside the project",
    ),
    (
        "version_aliases = []",
        'version_aliases = ["ok-alias", "Not_Valid"]',
        "model.version_aliases[1]: 'Not_Valid' is not a version alias: it must match "
        "[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]",
    ),
    (
        'staging_bucket = "my-staging"',
        'staging_bucket = "s3://my-staging"',
        "training.staging_bucket: 's3://my-staging' must be a gs:// bucket",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), CASES)
def test_bad_value_is_refused_at_load_naming_file_key_and_rule(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write(tmp_path, old, new)
    with pytest.raises(PlanError) as raised:
        load_plan(tmp_path)
    assert str(raised.value).startswith(f"{path}: {message}"), str(raised.value)


def test_valid_plan_loads(tmp_path: Path) -> None:
    save_plan(a_plan(), tmp_path)
    assert load_plan(tmp_path) == a_plan()


def test_non_utf8_plan_is_one_line_naming_the_file(tmp_path: Path) -> None:
    save_plan(a_plan(), tmp_path)
    path = tmp_path / "liftshift.toml"
    path.write_bytes(path.read_bytes().replace(b"us-central1", b"us-c\xe9ntral1"))
    with pytest.raises(PlanError, match=re.escape(f"{path}: not UTF-8 text")):
        load_plan(tmp_path)
    result = CliRunner().invoke(cli, ["train", str(tmp_path), "--dry-run"])
    assert result.exit_code == 2
    assert f"{path}: not UTF-8 text" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_bad_alias_stops_run_before_training_with_the_rule_intact(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("import os\nprint(os.environ['SM_MODEL_DIR'])\n")
    write(tmp_path, "version_aliases = []", 'version_aliases = ["Bad_Alias"]')
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--yes"])
    assert result.exit_code != 0
    assert "[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]" in result.output.replace("\n", "")
    assert "state: RUNNING" not in result.output, "refused before any job was started"
    assert not (tmp_path / ".liftshift" / "jobs").exists()


def test_a_plan_edited_in_memory_is_checked_before_training(tmp_path: Path) -> None:
    from liftshift.foundation.settings import Settings
    from liftshift.trainer import service
    from liftshift.trainer.jobs import JobSpecError

    plan = a_plan()
    plan.model.version_aliases = ["Bad_Alias"]
    with pytest.raises(JobSpecError, match=r"model\.version_aliases\[0\]: 'Bad_Alias'"):
        service.start_training(plan, Settings(target="local", project_dir=tmp_path))
    assert not (tmp_path / ".liftshift").exists(), "nothing built or staged"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda iam: setattr(iam, "service_account", "trainer@gmail.com"),
            "iam.service_account: 'trainer@gmail.com' is not a service account e-mail",
        ),
        (
            lambda iam: setattr(iam, "launcher", "you@example.com"),
            "iam.launcher: 'you@example.com' must be an IAM member, like 'user:you@example.com'",
        ),
        (
            lambda iam: iam.grants.append(IamGrantPlan("roles/storage.objectViewer", "s3://b")),
            "iam.grants[0].resource: 's3://b' must be a gs:// URI",
        ),
        (
            lambda iam: iam.grants.append(IamGrantPlan("storage.admin", "project")),
            "iam.grants[0].role: 'storage.admin' must be an IAM role",
        ),
    ],
)
def test_iam_section_is_checked_at_load(tmp_path: Path, change, message: str) -> None:
    plan = a_plan()
    change(plan.iam)
    save_plan(plan, tmp_path)
    with pytest.raises(PlanError) as raised:
        load_plan(tmp_path)
    assert message in str(raised.value)
