"""Scan + role + plan → the plan's ``[iam]`` section (``liftshift iam plan``).

The role comes from ``iam.source_role`` in the plan, else from the scan (the launcher's literal
ARN, else a past job's ``RoleArn``). Reading it needs AWS credentials; without them (or with
``use_aws=False``) the grants come from the plan alone and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from liftshift.foundation.plan import IamPlan, Plan, save_plan
from liftshift.foundation.settings import Settings
from liftshift.iam.mapping import JobFacts, map_role
from liftshift.iam.role import RoleDocuments, RoleReadError, read_role
from liftshift.scan.project import ProjectScan

PLAN_IAM_KEYS = ("iam", "training.service_account")
"""What ``liftshift iam plan`` owns in ``liftshift.toml`` (rewritten on every run)."""


@dataclass
class IamProposal:
    plan: Plan
    """The plan with ``iam`` and ``training.service_account`` set."""
    role: RoleDocuments | None
    role_note: str = ""


def job_facts(scan: ProjectScan | None, plan: Plan) -> JobFacts:
    """The role and the S3 outputs of the SageMaker job, from the plan and the scan."""
    facts = JobFacts(role=plan.iam.source_role)
    if scan is None:
        return facts
    for launcher in scan.launchers:
        if not facts.role and launcher.role_kind in ("arn", "name"):
            facts.role = str(launcher.role)
        for uri in (launcher.output_path, launcher.checkpoint_s3_uri):
            if isinstance(uri, str) and uri.startswith("s3://") and uri not in facts.outputs:
                facts.outputs.append(uri)
    for job in scan.past_jobs:
        if not facts.role and job.role:
            facts.role = job.role
        if job.output_path and job.output_path not in facts.outputs:
            facts.outputs.append(job.output_path)
    return facts


def propose_iam(
    plan: Plan,
    settings: Settings,
    *,
    scan: ProjectScan | None = None,
    role: str | None = None,
    use_aws: bool = True,
    gcp_project: str | None = None,
) -> IamProposal:
    """Read the role (when there is one and AWS is reachable) and map it. ``gcp_project``
    overrides the plan's and the environment's (a dry run passes a placeholder)."""
    facts = job_facts(scan, plan)
    if role:
        facts.role = role
    documents: RoleDocuments | None = None
    note = ""
    if not facts.role:
        note = "no execution role known (set iam.source_role or use `scan --from-job`)"
    elif not use_aws:
        note = f"role {facts.role} not read"
    else:
        try:
            documents = read_role(settings, facts.role)
        except RoleReadError as exc:
            note = f"could not read {exc}"
    gcp_project = gcp_project or plan.target.gcp_project or settings.gcp.project or ""
    name = plan.model.display_name or settings.project_dir.name
    mapped = map_role(
        plan, gcp_project=gcp_project, name=name, role=documents, facts=facts, role_note=note
    )
    return IamProposal(with_iam(plan, mapped), documents, note)


def with_iam(plan: Plan, iam: IamPlan) -> Plan:
    """``plan`` with its ``[iam]`` section and the job's service account set from ``iam``."""
    training = replace(plan.training, service_account=iam.service_account)
    return replace(plan, iam=iam, training=training)


def save_iam(plan: Plan, project_dir: Path) -> Path:
    """Write ``[iam]`` and ``training.service_account``; every other value stays as it is."""
    return save_plan(plan, project_dir, keep_existing=True, replace_keys=PLAN_IAM_KEYS)
