"""Read a SageMaker execution role with boto3: its trust policy, its attached managed policies
(the default version's document) and its inline policies.

Only the documents are read; no credential is ever kept or printed. Broad AWS managed policies
(``AmazonSageMakerFullAccess`` …) are recorded by name and their documents not analysed: the
mapping reports them and never copies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liftshift.foundation.settings import Settings
from liftshift.iam.policies import BROAD_MANAGED_POLICIES, Statement, statements


class RoleReadError(RuntimeError):
    """The role could not be read (no credentials, no access, unknown role). One line."""


@dataclass
class RoleDocuments:
    arn: str
    name: str
    trust_policy: dict[str, Any] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)
    broad_policies: list[str] = field(default_factory=list)
    """``arn:aws:iam::aws:policy/AmazonSageMakerFullAccess`` and the like, attached."""
    policies: list[str] = field(default_factory=list)
    """Every policy read, ``managed NAME`` / ``inline NAME``, for the report."""

    @property
    def trusted_services(self) -> list[str]:
        services = []
        for item in _list(self.trust_policy.get("Statement")):
            principal = item.get("Principal") or {}
            services.extend(_list(principal.get("Service")) if isinstance(principal, dict) else [])
        return services


def role_name(role: str) -> str:
    """``arn:aws:iam::123:role/service-role/Name`` → ``Name``; a bare name stays."""
    if role.startswith("arn:"):
        return role.rsplit("/", 1)[-1]
    return role


def read_role(settings: Settings, role: str) -> RoleDocuments:
    """Every policy document of ``role`` (an ARN or a role name)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from liftshift.foundation.clients import iam_client

    name = role_name(role)
    try:
        client = iam_client(settings)
        described = client.get_role(RoleName=name)["Role"]
        documents = RoleDocuments(
            arn=described["Arn"],
            name=name,
            trust_policy=_document(described.get("AssumeRolePolicyDocument")),
        )
        _managed(client, name, documents)
        _inline(client, name, documents)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise RoleReadError(
            f"role {name!r}: {error.get('Code', 'error')}: {error.get('Message', exc)}"
        ) from exc
    except BotoCoreError as exc:  # no credentials, no endpoint
        raise RoleReadError(f"role {name!r}: {exc}") from exc
    return documents


def _managed(client: Any, name: str, documents: RoleDocuments) -> None:
    paginator = client.get_paginator("list_attached_role_policies")
    for page in paginator.paginate(RoleName=name):
        for attached in page["AttachedPolicies"]:
            arn, policy_name = attached["PolicyArn"], attached["PolicyName"]
            documents.policies.append(f"managed {policy_name}")
            if arn.startswith("arn:aws:iam::aws:policy/") and policy_name in BROAD_MANAGED_POLICIES:
                documents.broad_policies.append(arn)
                continue
            policy = client.get_policy(PolicyArn=arn)["Policy"]
            version = client.get_policy_version(
                PolicyArn=arn, VersionId=policy["DefaultVersionId"]
            )["PolicyVersion"]
            documents.statements.extend(
                statements(_document(version["Document"]), f"managed {policy_name}")
            )


def _inline(client: Any, name: str, documents: RoleDocuments) -> None:
    paginator = client.get_paginator("list_role_policies")
    for page in paginator.paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            documents.policies.append(f"inline {policy_name}")
            policy = client.get_role_policy(RoleName=name, PolicyName=policy_name)
            documents.statements.extend(
                statements(_document(policy["PolicyDocument"]), f"inline {policy_name}")
            )


def _document(value: Any) -> dict[str, Any]:
    """boto3 decodes IAM documents to dicts; some stores hand back URL-encoded JSON text."""
    import json
    from urllib.parse import unquote

    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        text = value if value.lstrip().startswith("{") else unquote(value)
        return json.loads(text)
    return {}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
