"""A realistic SageMaker execution role in moto's IAM server, and the titanic example beside it.

The role is what a team typically ends up with: the broad ``AmazonSageMakerFullAccess`` the
console attaches, a customer managed policy scoping the data bucket to ``titanic/`` (with a
ListBucket ``s3:prefix`` condition and a Deny on a PII prefix), and an inline policy with KMS,
ECR, VPC, CloudWatch Logs/metrics and a second bucket no channel uses.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from liftshift.foundation.settings import AwsSettings, Settings
from tests.fixtures.emulators import Emulator, emulator_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROLE_NAME = "AmazonSageMaker-ExecutionRole-20240101T000000"
ROLE_ARN = f"arn:aws:iam::123456789012:role/service-role/{ROLE_NAME}"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
DATA_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadTitanic",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": "arn:aws:s3:::acme-ml-datasets/titanic/*",
        },
        {
            "Sid": "ListTitanic",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::acme-ml-datasets",
            "Condition": {"StringLike": {"s3:prefix": ["titanic/*"]}},
        },
        {
            "Sid": "WriteModels",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": "arn:aws:s3:::acme-ml-datasets/titanic/models/*",
        },
        {
            "Sid": "NoPii",
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::acme-ml-datasets/titanic/raw-pii/*",
        },
    ],
}
INLINE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Kms",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef",
        },
        {
            "Sid": "Images",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"],
            "Resource": "*",
        },
        {
            "Sid": "Vpc",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeSubnets"],
            "Resource": "*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:*:*:log-group:/aws/sagemaker/*",
        },
        {
            "Sid": "Metrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "titanic"}},
        },
        {
            "Sid": "Features",
            "Effect": "Allow",
            "Action": "s3:Get*",
            "Resource": "arn:aws:s3:::acme-feature-store/*",
        },
    ],
}


def iam_settings(moto: Emulator, project_dir: Path) -> Settings:
    """``gcp``-target settings whose AWS IAM (and S3) is the moto server."""
    settings = emulator_settings(project_dir, s3_url=moto.url)
    aws: AwsSettings = replace(settings.aws, iam_endpoint_url=moto.url)
    return replace(settings, aws=aws, gcp=replace(settings.gcp, project="acme-ml"))


def _client(moto: Emulator) -> Any:
    import boto3

    return boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _role_exists(moto: Emulator, name: str) -> bool:
    try:
        _client(moto).get_role(RoleName=name)
    except Exception:  # NoSuchEntity
        return False
    return True


def create_role(
    moto: Emulator,
    name: str,
    *,
    managed: dict[str, dict] | None = None,
    inline: dict[str, dict] | None = None,
    aws_managed: tuple[str, ...] = (),
    path: str = "/service-role/",
) -> str:
    """A role in moto with customer managed, inline and AWS managed policies; its ARN.
    Each test uses its own role name (moto is not reset between IAM tests)."""
    client = _client(moto)
    arn = client.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST))[
        "Role"
    ]["Arn"]
    versioned = {"Version": "2012-10-17"}
    for policy_name, document in (managed or {}).items():
        versioned_document = {**versioned, **document}
        # v1 grants a bucket nothing uses; v2, the real document, becomes the default: a
        # reader that took the first version instead of DefaultVersionId would show old-bucket
        stale = {**versioned, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                             "Resource": "arn:aws:s3:::old-bucket/*"}]}  # fmt: skip
        policy = client.create_policy(PolicyName=policy_name, PolicyDocument=json.dumps(stale))
        client.create_policy_version(
            PolicyArn=policy["Policy"]["Arn"],
            PolicyDocument=json.dumps(versioned_document),
            SetAsDefault=True,
        )
        client.attach_role_policy(RoleName=name, PolicyArn=policy["Policy"]["Arn"])
    for policy_name, document in (inline or {}).items():
        client.put_role_policy(
            RoleName=name,
            PolicyName=policy_name,
            PolicyDocument=json.dumps({**versioned, **document}),
        )
    for policy_name in aws_managed:
        client.attach_role_policy(RoleName=name, PolicyArn=f"arn:aws:iam::aws:policy/{policy_name}")
    return arn


@pytest.fixture
def titanic(iam_server: Emulator, tmp_path: Path) -> tuple[Path, Settings]:
    """A copy of the titanic example and settings whose IAM holds its realistic role.

    moto is not reset here: a reset drops the AWS managed policies, and reloading them costs
    about a second a test. The role is created once and only read afterwards."""
    project = tmp_path / "titanic-sklearn"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project)
    if not _role_exists(iam_server, ROLE_NAME):
        create_role(
            iam_server,
            ROLE_NAME,
            managed={"titanic-data-access": DATA_POLICY},
            inline={"training-extras": INLINE_POLICY},
            aws_managed=("AmazonSageMakerFullAccess",),
        )
    return project, iam_settings(iam_server, project)
