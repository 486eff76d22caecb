"""Apply the plan's ``[iam]`` section on Google Cloud, idempotently, never removing a binding.

The service account through the IAM admin API, bucket policies through google-cloud-storage,
the project policy through Resource Manager, and ``actAs`` on the account through the IAM admin
API again. Every policy change is a read-modify-write of the current policy (version 3, its
``etag`` kept so a concurrent edit fails instead of being overwritten) that only *adds*
members: a rerun finds everything in place and sends no write. :func:`planned_requests` is the
same plan as plain data, for ``--dry-run`` (no credentials needed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from liftshift.foundation.plan import (
    GRANT_ON_PROJECT,
    GRANT_ON_SERVICE_ACCOUNT,
    IamGrantPlan,
    IamPlan,
)
from liftshift.foundation.plan_checks import is_member
from liftshift.foundation.settings import Settings
from liftshift.iam.mapping import validate_service_account

CONDITION_TITLE = "liftshift object prefix"
PROPAGATION_RETRIES = 5
"""A new service account takes a few seconds to be usable in policies (eventual consistency)."""


class IamApplyError(RuntimeError):
    """A request failed; the message names the resource and what to do. One line."""


@dataclass(frozen=True)
class Binding:
    role: str
    member: str
    condition: str = ""

    def as_json(self) -> dict[str, Any]:
        binding: dict[str, Any] = {"role": self.role, "members": [self.member]}
        if self.condition:
            binding["condition"] = {"title": CONDITION_TITLE, "expression": self.condition}
        return binding

    def describe(self) -> str:
        scoped = " (prefix condition)" if self.condition else ""
        return f"{self.role} for {self.member}{scoped}"


@dataclass
class ApplyResult:
    created_account: bool = False
    added: list[str] = field(default_factory=list)
    """``resource: role for member`` for every binding this run added."""
    kept: list[str] = field(default_factory=list)
    """Bindings that were already there."""
    skipped: list[str] = field(default_factory=list)
    """Grants not applied, with why (no launcher named)."""

    @property
    def changed(self) -> bool:
        return self.created_account or bool(self.added)


def account_parts(email: str) -> tuple[str, str]:
    """``name@proj.iam.gserviceaccount.com`` → (``name``, ``proj``)."""
    account, _, domain = email.partition("@")
    return account, domain.removesuffix(".iam.gserviceaccount.com")


def member_for(grant: IamGrantPlan, iam: IamPlan) -> str:
    """The IAM member string of a grant ('' when the launcher is not named)."""
    if grant.member == "job":
        return f"serviceAccount:{iam.service_account}"
    if grant.member == "launcher":
        return iam.launcher
    return grant.member


def wanted_bindings(iam: IamPlan) -> tuple[dict[str, list[Binding]], list[str]]:
    """Bindings per resource (``gs://b``, ``project``, ``service-account``), and skipped grants."""
    wanted: dict[str, list[Binding]] = {}
    skipped = []
    for grant in iam.grants:
        member = member_for(grant, iam)
        if member and not is_member(member):
            key = "iam.launcher" if grant.member == "launcher" else "iam.grants member"
            raise IamApplyError(
                f"liftshift.toml: {key} {member!r} is not an IAM member; write it as "
                '"user:you@example.com", "group:…", "serviceAccount:…" or "domain:…"'
            )
        if not member:
            skipped.append(
                f"{grant.role} on {grant.resource}: no launcher named; set iam.launcher "
                '(e.g. "user:you@example.com") and rerun'
            )
            continue
        wanted.setdefault(grant.resource, []).append(Binding(grant.role, member, grant.condition))
    return wanted, skipped


def planned_requests(iam: IamPlan, project: str) -> dict[str, Any]:
    """The requests :func:`apply_iam` sends, as plain data (``iam apply --dry-run``)."""
    validate_service_account(iam.service_account)
    account, account_project = account_parts(iam.service_account)
    wanted, skipped = wanted_bindings(iam)
    requests: list[dict[str, Any]] = [
        {
            "api": "iam.googleapis.com",
            "method": "projects.serviceAccounts.create",
            "when": "projects.serviceAccounts.get answers NOT_FOUND",
            "name": f"projects/{account_project}",
            "body": {
                "accountId": account,
                "serviceAccount": {
                    "displayName": f"{account} (liftshift)",
                    "description": _description(iam),
                },
            },
        }
    ]
    for resource, bindings in wanted.items():
        requests.append(
            {
                **_target(resource, project, iam.service_account),
                "add_bindings": [binding.as_json() for binding in bindings],
                "how": "getIamPolicy (version 3), add the members that are missing, "
                "setIamPolicy with the same etag; existing bindings are kept; no write when "
                "nothing is missing",
            }
        )
    return {"service_account": iam.service_account, "requests": requests, "skipped": skipped}


def _description(iam: IamPlan) -> str:
    source = f" from SageMaker role {iam.source_role}" if iam.source_role else ""
    return f"Vertex AI training job account, mapped by liftshift{source}"[:256]


def _target(resource: str, project: str, email: str) -> dict[str, str]:
    if resource.startswith("gs://"):
        return {
            "api": "storage.googleapis.com",
            "method": "buckets.setIamPolicy",
            "resource": resource.removeprefix("gs://"),
        }
    if resource == GRANT_ON_PROJECT:
        return {
            "api": "cloudresourcemanager.googleapis.com",
            "method": "projects.setIamPolicy",
            "resource": f"projects/{project}",
        }
    if resource == GRANT_ON_SERVICE_ACCOUNT:
        _, account_project = account_parts(email)
        return {
            "api": "iam.googleapis.com",
            "method": "projects.serviceAccounts.setIamPolicy",
            "resource": f"projects/{account_project}/serviceAccounts/{email}",
        }
    raise IamApplyError(
        f"liftshift.toml: iam.grants resource {resource!r} is not gs://BUCKET, "
        f"{GRANT_ON_PROJECT!r} or {GRANT_ON_SERVICE_ACCOUNT!r}"
    )


def apply_iam(
    iam: IamPlan,
    project: str,
    settings: Settings,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> ApplyResult:
    """Create the account if absent and add every missing binding; remove nothing."""
    from google.api_core import exceptions

    validate_service_account(iam.service_account)
    wanted, skipped = wanted_bindings(iam)
    result = ApplyResult(skipped=skipped)
    try:
        result.created_account = _ensure_account(iam, settings)
        for resource, bindings in wanted.items():
            _retrying(
                lambda resource=resource, bindings=bindings: _apply_bindings(
                    resource, bindings, project, iam.service_account, settings, result
                ),
                sleep,
            )
    except exceptions.GoogleAPICallError as exc:
        raise IamApplyError(_one_line(exc)) from exc
    return result


def _one_line(exc: Any) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())


def _retrying(call: Callable[[], None], sleep: Callable[[float], None]) -> None:
    """Retry a policy write that names a service account too new to be seen yet."""
    from google.api_core import exceptions

    for attempt in range(PROPAGATION_RETRIES + 1):
        try:
            call()
            return
        except (exceptions.BadRequest, exceptions.InvalidArgument) as exc:
            if "does not exist" not in str(exc) or attempt == PROPAGATION_RETRIES:
                raise
            sleep(2.0**attempt)


def _ensure_account(iam: IamPlan, settings: Settings) -> bool:
    from google.api_core import exceptions

    from liftshift.foundation.clients import iam_admin_client

    account, account_project = account_parts(iam.service_account)
    client = iam_admin_client(settings)
    try:
        client.get_service_account(
            name=f"projects/{account_project}/serviceAccounts/{iam.service_account}"
        )
        return False
    except exceptions.NotFound:
        pass
    client.create_service_account(
        request={
            "name": f"projects/{account_project}",
            "account_id": account,
            "service_account": {
                "display_name": f"{account} (liftshift)",
                "description": _description(iam),
            },
        }
    )
    return True


def _apply_bindings(  # noqa: PLR0917 (one call site, each argument named there)
    resource: str,
    bindings: list[Binding],
    project: str,
    email: str,
    settings: Settings,
    result: ApplyResult,
) -> None:
    target = _target(resource, project, email)
    label = resource if resource.startswith("gs://") else target["resource"]
    # a fresh result per attempt: a retried write must not count its bindings twice
    attempt = ApplyResult()
    if resource.startswith("gs://"):
        _bucket_policy(target["resource"], bindings, settings, label, attempt)
    else:
        _grpc_policy(resource, target["resource"], bindings, settings, label, attempt)
    result.added += attempt.added
    result.kept += attempt.kept


def _bucket_policy(
    bucket_name: str,
    bindings: list[Binding],
    settings: Settings,
    label: str,
    result: ApplyResult,
) -> None:
    from liftshift.foundation.clients import gcs_client

    bucket = gcs_client(settings).bucket(bucket_name)
    policy = bucket.get_iam_policy(requested_policy_version=3)
    current = [
        (entry["role"], set(entry.get("members", ())), _expression(entry.get("condition")))
        for entry in policy.bindings
    ]
    changed = False
    for binding in bindings:
        index = _find(current, binding)
        if index is not None and binding.member in current[index][1]:
            result.kept.append(f"{label}: {binding.describe()}")
            continue
        if index is not None:
            policy.bindings[index]["members"] = set(policy.bindings[index]["members"]) | {
                binding.member
            }
            current[index][1].add(binding.member)
        else:
            entry = binding.as_json()
            entry["members"] = set(entry["members"])
            policy.bindings.append(entry)
            current.append((binding.role, {binding.member}, binding.condition))
        result.added.append(f"{label}: {binding.describe()}")
        changed = True
    if changed:
        policy.version = 3
        bucket.set_iam_policy(policy)


def _grpc_policy(  # noqa: PLR0917 (one call site)
    kind: str,
    name: str,
    bindings: list[Binding],
    settings: Settings,
    label: str,
    result: ApplyResult,
) -> None:
    """The project policy (Resource Manager) or the account's own policy (IAM admin)."""
    from liftshift.foundation.clients import iam_admin_client, projects_client

    client = projects_client(settings) if kind == GRANT_ON_PROJECT else iam_admin_client(settings)
    policy = client.get_iam_policy(
        request={"resource": name, "options": {"requested_policy_version": 3}}
    )
    current = [
        (entry.role, set(entry.members), entry.condition.expression if entry.condition else "")
        for entry in policy.bindings
    ]
    changed = False
    for binding in bindings:
        index = _find(current, binding)
        if index is not None and binding.member in current[index][1]:
            result.kept.append(f"{label}: {binding.describe()}")
            continue
        if index is not None:
            policy.bindings[index].members.append(binding.member)
            current[index][1].add(binding.member)
        else:
            added = policy.bindings.add(role=binding.role, members=[binding.member])
            if binding.condition:
                added.condition.title = CONDITION_TITLE
                added.condition.expression = binding.condition
            current.append((binding.role, {binding.member}, binding.condition))
        result.added.append(f"{label}: {binding.describe()}")
        changed = True
    if changed:
        policy.version = 3
        client.set_iam_policy(request={"resource": name, "policy": policy})


def _expression(condition: Any) -> str:
    return condition.get("expression", "") if isinstance(condition, dict) else ""


def _find(current: list[tuple[str, set[str], str]], binding: Binding) -> int | None:
    """The binding with the same role and condition (members are what we add to)."""
    for index, (role, _members, condition) in enumerate(current):
        if role == binding.role and condition == binding.condition:
            return index
    return None
