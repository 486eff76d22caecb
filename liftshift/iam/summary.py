"""One line per grant, for screens and step summaries (the CLI table has the sources too)."""

from __future__ import annotations

from liftshift.foundation.plan import IamGrantPlan, IamPlan

MARKER = "/objects/"


def condition_text(condition: str) -> str:
    """``objects under PREFIX`` for the conditions liftshift writes; the CEL otherwise."""
    if MARKER in condition:
        return "objects under " + condition.split(MARKER, 1)[1].split('"', 1)[0]
    return condition


def grant_line(grant: IamGrantPlan) -> str:
    who = {"job": "job", "launcher": "you"}.get(grant.member, grant.member)
    scope = f" ({condition_text(grant.condition)})" if grant.condition else ""
    return f"{grant.role.removeprefix('roles/')} on {grant.resource}{scope} -> {who}"


def access_lines(iam: IamPlan) -> list[str]:
    """The mapping in a few lines: the account, then each grant."""
    if not iam.grants:
        return [
            "not mapped yet: `liftshift iam plan` maps the SageMaker role",
            "(until then the job runs as the project's default compute account)",
        ]
    lines = [f"runs as {iam.service_account}"]
    if iam.source_role:
        lines.append(f"from {iam.source_role.rsplit('/', 1)[-1]}")
    lines += [grant_line(grant) for grant in iam.grants]
    if iam.not_carried:
        lines.append(f"{len(iam.not_carried)} AWS permission(s) not carried over (iam plan)")
    return lines
