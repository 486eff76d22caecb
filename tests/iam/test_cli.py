"""``liftshift iam plan | apply | sts-policy`` end to end: moto's IAM, the Google fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from tests.fakes.gcp_iam import FakeGcpIam
from tests.fakes.storage_transfer import FakeStorageTransfer
from tests.fixtures.emulators import AWS_TEST_ENV, Emulator

ACCOUNT = "titanic-sklearn-trainer@acme-ml.iam.gserviceaccount.com"


def run(*args: str, env: dict[str, str | None]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(iam_server: Emulator, titanic: tuple[Path, Settings]) -> dict[str, str | None]:
    """AWS IAM is moto; no Google endpoint yet (tests add the fakes they need)."""
    return {
        **AWS_TEST_ENV,
        "AWS_ENDPOINT_URL_IAM": iam_server.url,
        "AWS_ENDPOINT_URL": None,
        "AWS_PROFILE": None,
        "GOOGLE_CLOUD_PROJECT": "acme-ml",
        "LIFTSHIFT_TARGET": None,
        "STORAGE_EMULATOR_HOST": None,
        "LIFTSHIFT_IAM_ENDPOINT": None,
    }


@pytest.fixture
def planned(titanic: tuple[Path, Settings], env: dict[str, str | None]) -> Path:
    project, _ = titanic
    assert run("plan", str(project), env=env)[0] == 0
    return project


def test_iam_plan_prints_the_mapping_with_sources_and_writes_the_plan(
    planned: Path, env: dict[str, str | None]
) -> None:
    code, out, _ = run("iam", "plan", str(planned), env=env)
    assert code == 0, out
    for text in (
        "AmazonSageMaker-ExecutionRole-20240101T000000",
        "managed titanic-data-access",
        "roles/storage.objectViewer",
        "objects under titanic/",
        "ReadTitanic",
        "Not carried over",
        "AmazonSageMakerFullAccess",
        "CMEK",
        f"Wrote [iam] and training.service_account to {planned / 'liftshift.toml'}",
    ):
        assert text in out, text
    for secret in ("testing",):  # the dummy AWS key, secret and session token
        assert secret not in out
        assert secret not in (planned / "liftshift.toml").read_text(encoding="utf-8")
    assert load_plan(planned).training.service_account == ACCOUNT
    code, out, _ = run("iam", "plan", str(planned), "--json", env=env)
    assert json.loads(out)["service_account"] == ACCOUNT


def test_iam_apply_dry_run_needs_no_credentials(planned: Path, env: dict[str, str | None]) -> None:
    assert run("iam", "plan", str(planned), env=env)[0] == 0
    bare = {key: None for key in env} | {"GOOGLE_CLOUD_PROJECT": "acme-ml"}
    code, out, _ = run("iam", "apply", str(planned), "--dry-run", env=bare)
    assert code == 0
    requests = json.loads(out)["requests"]
    assert requests[0]["body"]["accountId"] == "titanic-sklearn-trainer"
    assert {r["method"] for r in requests} >= {"buckets.setIamPolicy", "projects.setIamPolicy"}


def test_iam_apply_then_rerun_changes_nothing(
    planned: Path, env: dict[str, str | None], fake_gcp_iam: FakeGcpIam
) -> None:
    assert run("iam", "plan", str(planned), env=env)[0] == 0
    code, _, err = run("iam", "apply", str(planned), env=env)
    assert code == 2
    assert "needs --target gcp" in err
    google = env | {
        "LIFTSHIFT_IAM_ENDPOINT": fake_gcp_iam.grpc_endpoint,
        "STORAGE_EMULATOR_HOST": fake_gcp_iam.storage_endpoint,
    }
    code, out, _ = run("iam", "apply", str(planned), "--target", "gcp", env=google)
    assert code == 0, out
    assert f"service account {ACCOUNT}: created" in out
    assert "NOT GRANTED  roles/aiplatform.user on project: no launcher named" in out
    assert "3 binding(s) added, 0 already there: changed" in out
    writes = len(fake_gcp_iam.writes())
    code, out, _ = run("iam", "apply", str(planned), "--target", "gcp", env=google)
    assert code == 0
    assert f"service account {ACCOUNT}: exists" in out
    assert "0 binding(s) added, 3 already there: nothing to change" in out
    assert len(fake_gcp_iam.writes()) == writes


def test_iam_apply_before_iam_plan_is_one_clear_line(
    planned: Path, env: dict[str, str | None]
) -> None:
    code, _, err = run("iam", "apply", str(planned), "--dry-run", env=env)
    assert code == 1
    assert err.strip().endswith(f"no [iam] grants yet; run `liftshift iam plan {planned}`")


def test_sts_policy_trusts_the_transfer_account_and_reads_only_the_sources(
    planned: Path, env: dict[str, str | None], titanic: tuple[Path, Settings]
) -> None:
    fake = FakeStorageTransfer(titanic[1])
    fake.start()
    try:
        code, out, _ = run(
            "iam", "sts-policy", str(planned),
            env=env | {"LIFTSHIFT_TRANSFER_ENDPOINT": fake.endpoint},
        )  # fmt: skip
    finally:
        fake.stop()
    assert code == 0, out
    documents = json.loads(out)
    assert documents["trust_policy"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"accounts.google.com:sub": FakeStorageTransfer.SUBJECT_ID}
            },
        }
    ]
    assert documents["permissions_policy"]["Statement"] == [
        {
            "Sid": "ListAcmeMlDatasets",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::acme-ml-datasets",
            "Condition": {"StringLike": {"s3:prefix": ["titanic/train/*", "titanic/test/*"]}},
        },
        {
            "Sid": "ReadAcmeMlDatasets",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                "arn:aws:s3:::acme-ml-datasets/titanic/train/train.csv*",
                "arn:aws:s3:::acme-ml-datasets/titanic/test/test.csv*",
            ],
        },
    ]
    assert "--role-arn" in documents["then"]
    code, out, _ = run("iam", "sts-policy", str(planned), "--subject-id", "42", env=env)
    assert json.loads(out)["subject_id"] == "42"
