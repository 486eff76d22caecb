"""What an AWS role's policy documents allow on S3, and what else they hold.

Pure functions over the JSON documents (no boto3 here): each statement becomes
:class:`S3Grant` s (bucket pattern, key prefix, read/list/write, allow or deny) or
:class:`OtherPermission` s (KMS, EC2/VPC, ECR, CloudWatch, …), and broad grants
(``AmazonSageMakerFullAccess``, ``s3:*`` on ``*``, ``NotAction``) are set apart: the mapping
reports them and never copies them.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any

S3_READ = ("s3:GetObject", "s3:GetObjectVersion")
S3_LIST = ("s3:ListBucket", "s3:ListBucketVersions")
S3_WRITE = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
ACCESS_ACTIONS = {"read": S3_READ, "list": S3_LIST, "write": S3_WRITE}

BROAD_MANAGED_POLICIES = frozenset(
    {
        "AdministratorAccess",
        "PowerUserAccess",
        "AmazonSageMakerFullAccess",
        "AmazonS3FullAccess",
        "AmazonS3ReadOnlyAccess",
    }
)
"""AWS managed policies that grant far more than one training job needs; reported, not read."""


@dataclass(frozen=True)
class Statement:
    """One policy statement, normalised (lists everywhere), with where it came from."""

    source: str
    """``managed PolicyName/Sid`` or ``inline PolicyName/#2``: how reports name it."""
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    condition: dict[str, Any] = field(default_factory=dict, hash=False)

    def condition_text(self) -> str:
        return json.dumps(self.condition, sort_keys=True) if self.condition else ""


@dataclass(frozen=True)
class S3Grant:
    """Object access a statement gives (or denies) on ``bucket``/``prefix``."""

    bucket: str
    """Bucket name, possibly a wildcard pattern (``acme-*``)."""
    prefix: str
    """Key prefix before the first wildcard; empty for the whole bucket."""
    access: frozenset[str]
    """A subset of {"read", "list", "write"}."""
    allow: bool
    statement: Statement

    def covers(self, bucket: str, key: str) -> bool:
        """Whether the grant reaches objects under ``bucket``/``key`` (either prefix of the
        other: a role scoped to ``titanic/`` reaches the channel ``titanic/train/``, and a
        role scoped to ``data/train/`` reaches part of the channel ``data/``)."""
        if not fnmatch.fnmatchcase(bucket, self.bucket):
            return False
        return key.startswith(self.prefix) or self.prefix.startswith(key)

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}"
        verb = "allows" if self.allow else "denies"
        return f"{self.statement.source}: {verb} {'+'.join(sorted(self.access))} on {where}"


@dataclass(frozen=True)
class OtherPermission:
    """A non-object permission (another service, or S3 bucket administration)."""

    action: str
    resources: tuple[str, ...]
    allow: bool
    statement: Statement


@dataclass
class PolicyAnalysis:
    """Everything the role's documents say, sorted into what the mapping uses."""

    s3: list[S3Grant] = field(default_factory=list)
    other: list[OtherPermission] = field(default_factory=list)
    broad: list[str] = field(default_factory=list)
    """One line per broad grant, with its source: reported, never copied."""
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(statement source, text): conditions and Deny statements the mapping cannot express,
    kept for the reader."""


def statements(document: Any, source: str) -> list[Statement]:
    """Normalise a policy document (dict, or the URL-decoded JSON text) into statements."""
    if isinstance(document, str):
        document = json.loads(document)
    raw = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(raw, dict):
        raw = [raw]
    result = []
    for index, item in enumerate(raw, start=1):
        label = f"{source}/{item.get('Sid') or f'#{index}'}"
        not_action = "NotAction" in item
        not_resource = "NotResource" in item
        result.append(
            Statement(
                source=label,
                effect=str(item.get("Effect", "Allow")),
                actions=_strings(item.get("NotAction" if not_action else "Action")),
                not_action=not_action,
                resources=_strings(item.get("NotResource" if not_resource else "Resource")),
                not_resource=not_resource,
                condition=item.get("Condition") or {},
            )
        )
    return result


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def analyse(items: list[Statement]) -> PolicyAnalysis:
    """Sort statements into S3 object grants, other permissions, broad grants and notes."""
    analysis = PolicyAnalysis()
    for statement in items:
        allow = statement.effect == "Allow"
        if statement.condition:
            analysis.notes.append((statement.source, f"condition {statement.condition_text()}"))
        if statement.not_action or statement.not_resource:
            word = "NotAction" if statement.not_action else "NotResource"
            listed = ", ".join(statement.actions if statement.not_action else statement.resources)
            if allow:
                analysis.broad.append(
                    f"{statement.source}: Allow with {word} [{listed}] grants everything else; "
                    "not copied"
                )
            else:
                analysis.notes.append((statement.source, f"Deny with {word} [{listed}]"))
            continue
        if allow and _is_broad(statement):
            analysis.broad.append(
                f"{statement.source}: {', '.join(statement.actions)} on "
                f"{', '.join(statement.resources)} is broad; not copied"
            )
            continue
        _sort_actions(statement, allow, analysis)
    return analysis


def _is_broad(statement: Statement) -> bool:
    """``*`` or ``s3:*`` (or ``s3:Get*`` …) on every resource or every bucket."""
    every = any(
        resource in ("*", "arn:aws:s3:::*", "arn:aws:s3:::*/*") for resource in statement.resources
    )
    if "*" in statement.actions:
        return True
    return every and any(_matches_any(action, S3_READ + S3_WRITE) for action in statement.actions)


def _sort_actions(statement: Statement, allow: bool, analysis: PolicyAnalysis) -> None:
    object_access = {
        access
        for access, names in ACCESS_ACTIONS.items()
        if any(_matches_any(action, names) for action in statement.actions)
    }
    if object_access:
        for resource in statement.resources:
            grant = _s3_grant(resource, object_access, allow, statement)
            if grant is not None:
                analysis.s3.append(grant)
    for action in statement.actions:
        if action.lower().startswith("s3:") and _matches_any(action, S3_READ + S3_LIST + S3_WRITE):
            continue
        analysis.other.append(OtherPermission(action, statement.resources, allow, statement))


def _matches_any(pattern: str, actions: tuple[str, ...]) -> bool:
    """IAM action patterns are case-insensitive and use ``*`` and ``?``."""
    return any(fnmatch.fnmatch(action.lower(), pattern.lower()) for action in actions)


def _s3_grant(resource: str, access: set[str], allow: bool, statement: Statement) -> S3Grant | None:
    """``arn:aws:s3:::bucket`` (list), ``arn:aws:s3:::bucket/prefix*`` (objects)."""
    if not resource.startswith("arn:aws:s3:::"):
        return None
    path = resource.removeprefix("arn:aws:s3:::")
    bucket, slash, key = path.partition("/")
    if not slash:
        # the bucket itself: only ListBucket applies; the key scope lives in a condition
        if "list" not in access:
            return None
        return S3Grant(bucket, _list_prefix(statement), frozenset({"list"}), allow, statement)
    prefix = key.split("*", 1)[0].split("?", 1)[0]
    object_access = frozenset(access - {"list"})
    if not object_access:
        return None
    return S3Grant(bucket, prefix, object_access, allow, statement)


def _list_prefix(statement: Statement) -> str:
    """``"Condition": {"StringLike": {"s3:prefix": ["titanic/*"]}}`` scopes a ListBucket."""
    for operator in ("StringLike", "StringEquals"):
        values = statement.condition.get(operator, {}).get("s3:prefix")
        if values:
            first = values if isinstance(values, str) else values[0]
            return first.split("*", 1)[0]
    return ""
