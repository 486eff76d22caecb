"""The AWS side of a Storage Transfer Service copy with no AWS key: a role STS may assume.

Storage Transfer Service assumes an AWS role with its own Google identity (web identity
federation): the role trusts ``accounts.google.com`` on condition that the caller's subject is
the project's transfer service account (``accounts.google.com:sub``), and its permissions are
only ``s3:ListBucket`` on the source buckets and ``s3:GetObject`` under the source prefixes.
liftshift prints both documents; the user creates the role and passes its ARN with
``--role-arn`` (or ``LIFTSHIFT_STS_ROLE_ARN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liftshift.foundation.plan import Plan
from liftshift.foundation.settings import Settings


class TransferAccountError(RuntimeError):
    """The transfer service account could not be read; the message says how to pass it."""


@dataclass(frozen=True)
class TransferAccount:
    email: str
    subject_id: str


def transfer_account(settings: Settings, project: str) -> TransferAccount:
    """The project's Storage Transfer Service account (``GetGoogleServiceAccount``)."""
    from google.api_core import exceptions

    from liftshift.foundation.clients import CredentialsError, storage_transfer_client

    try:
        account = storage_transfer_client(settings).get_google_service_account(
            request={"project_id": project}
        )
    except (exceptions.GoogleAPICallError, CredentialsError) as exc:
        message = " ".join(str(getattr(exc, "message", exc)).split())
        raise TransferAccountError(
            f"could not read the Storage Transfer Service account of {project}: {message} "
            "(pass --subject-id, from `gcloud transfer authorize --add-missing` or the API's "
            "googleServiceAccounts.get)"
        ) from exc
    return TransferAccount(account.account_email, account.subject_id)


def source_prefixes(plan: Plan) -> dict[str, list[str]]:
    """Bucket → key prefixes the plan's channels read from S3."""
    sources: dict[str, list[str]] = {}
    for channel in plan.data.channels:
        if not channel.source.startswith("s3://"):
            continue
        bucket, _, key = channel.source.removeprefix("s3://").partition("/")
        prefixes = sources.setdefault(bucket, [])
        if key not in prefixes:
            prefixes.append(key)
    return sources


def trust_policy(subject_id: str) -> dict[str, Any]:
    """Only the transfer service account (by its subject id) may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "accounts.google.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"accounts.google.com:sub": subject_id}},
            }
        ],
    }


def access_policy(sources: dict[str, list[str]]) -> dict[str, Any]:
    """Read-only access to exactly the channels' sources: list the buckets, get the objects."""
    statements: list[dict[str, Any]] = []
    for bucket, prefixes in sources.items():
        listing: dict[str, Any] = {
            "Sid": _sid("List", bucket),
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
        }
        if all(prefixes):
            listed = dict.fromkeys(_list_prefix(prefix) for prefix in prefixes)
            listing["Condition"] = {"StringLike": {"s3:prefix": [f"{p}*" for p in listed]}}
        statements.append(listing)
        statements.append(
            {
                "Sid": _sid("Read", bucket),
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in prefixes],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _list_prefix(key: str) -> str:
    """A channel naming one object (``titanic/train/train.csv``) is listed from its folder:
    the transfer job's ``path`` is a folder with ``include_prefixes`` (see ``sync.sts``)."""
    folder, slash, name = key.rpartition("/")
    return f"{folder}{slash}" if "." in name else key


def _sid(verb: str, bucket: str) -> str:
    """Sids are alphanumeric."""
    return verb + "".join(part.capitalize() for part in bucket.replace(".", "-").split("-"))


def sts_role_documents(plan: Plan, account: TransferAccount) -> dict[str, Any]:
    """Everything the user needs to create the role, as one printable object."""
    sources = source_prefixes(plan)
    return {
        "transfer_service_account": account.email,
        "subject_id": account.subject_id,
        "trust_policy": trust_policy(account.subject_id),
        "permissions_policy": access_policy(sources),
        "then": "create the role with these two documents (aws iam create-role "
        "--assume-role-policy-document …; aws iam put-role-policy …) and pass its ARN to "
        "`liftshift sync --engine sts --role-arn ARN` (or set LIFTSHIFT_STS_ROLE_ARN)",
    }
