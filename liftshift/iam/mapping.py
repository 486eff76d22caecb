"""From the SageMaker execution role (or the plan alone) to least-privilege Google Cloud IAM.

What the Vertex job needs is what the plan says it does: read each channel's GCS destination,
write its outputs in the staging bucket, write logs. The AWS role decides the *scope*: a channel
read through a prefix-scoped statement gets an IAM condition on the translated prefix; one read
through a bucket-wide statement gets the bucket. Everything else the role holds is reported,
never copied: broad grants, S3 access no channel maps, other services (with the Google
counterpart to set up by hand, or "not needed on Vertex AI"), conditions and Deny statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from liftshift.foundation.plan import (
    GRANT_ON_PROJECT,
    GRANT_ON_SERVICE_ACCOUNT,
    IamGrantPlan,
    IamNotePlan,
    IamPlan,
    Plan,
)
from liftshift.foundation.plan_checks import is_service_account
from liftshift.iam.policies import OtherPermission, PolicyAnalysis, S3Grant, analyse
from liftshift.iam.role import RoleDocuments

OBJECT_VIEWER = "roles/storage.objectViewer"
OBJECT_USER = "roles/storage.objectUser"
LOG_WRITER = "roles/logging.logWriter"
AIPLATFORM_USER = "roles/aiplatform.user"
SERVICE_ACCOUNT_USER = "roles/iam.serviceAccountUser"
STAGING_PREFIX = "liftshift/"
"""Everything the job writes in the staging bucket lives under it (jobs/, packages/, data/)."""
NOT_NEEDED = "not needed on Vertex AI"

SERVICES = {
    "kms": "CMEK: give the Vertex AI service agent roles/cloudkms.cryptoKeyEncrypterDecrypter "
    "on a Cloud KMS key and set the job's encryption_spec_key_name",
    "ec2": "network: set the job's VPC network (peering) or a Private Service Connect "
    "interface; nothing to grant the job's service account",
    "ecr": "Artifact Registry: prebuilt Vertex containers need nothing; for your own image "
    "grant roles/artifactregistry.reader on its repository",
    "cloudwatch": "Cloud Monitoring: roles/monitoring.metricWriter if the trainer writes "
    "custom metrics",
    "secretsmanager": "Secret Manager: roles/secretmanager.secretAccessor on the secrets the "
    "trainer reads",
    "ssm": "Secret Manager: roles/secretmanager.secretAccessor on the secrets the trainer reads",
    "sagemaker": f"{NOT_NEEDED} (the job does not call SageMaker)",
    "sts": NOT_NEEDED,
    "iam": f"{NOT_NEEDED} (the person launching gets roles/iam.serviceAccountUser instead)",
    "s3": f"{NOT_NEEDED} (bucket administration: liftshift creates and lists buckets as you)",
}
"""Google counterpart of each AWS service a SageMaker role commonly holds."""


class IamMappingError(ValueError):
    """The plan cannot be mapped (no Google Cloud project, bad service account). One line."""


@dataclass
class JobFacts:
    """What the scan knows about the SageMaker job beyond the plan."""

    role: str = ""
    outputs: list[str] = field(default_factory=list)
    """``s3://`` URIs SageMaker wrote: ``output_path``, ``checkpoint_s3_uri``."""


def default_service_account(name: str, gcp_project: str) -> str:
    """``<name>-trainer@<project>.iam.gserviceaccount.com`` with a valid account id (6-30
    characters, a letter first)."""
    base = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "liftshift"
    if not base[0].isalpha():
        base = f"job-{base}"
    account = f"{base[: 30 - len('-trainer')].rstrip('-')}-trainer"
    return f"{account}@{gcp_project}.iam.gserviceaccount.com"


def validate_service_account(email: str) -> None:
    if not is_service_account(email):
        raise IamMappingError(
            f"iam.service_account {email!r} is not a user-managed service account e-mail "
            "(ACCOUNT@PROJECT.iam.gserviceaccount.com, ACCOUNT 6-30 of a-z, 0-9, -)"
        )


def prefix_condition(bucket: str, prefix: str) -> str:
    """Objects under ``prefix``, and listings of that prefix (``objects.list`` is checked on
    the bucket, so the object-name test alone would refuse every listing)."""
    return (
        f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/{prefix}") || '
        f'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("{prefix}")'
    )


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.split("://", 1)[1].partition("/")
    return bucket, key


class _Grants:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str, str], IamGrantPlan] = {}

    def add(
        self, role: str, resource: str, member: str, sources: Iterable[str], condition: str = ""
    ) -> IamGrantPlan:
        key = (role, resource, member, condition)
        grant = self.items.setdefault(key, IamGrantPlan(role, resource, member, condition))
        for source in sources:
            if source not in grant.sources:
                grant.sources.append(source)
        return grant

    def without_redundant(self) -> list[IamGrantPlan]:
        """Drop a conditional grant when the same role is granted unconditionally on the same
        resource to the same member (its sources move to that grant)."""
        result = []
        for (role, resource, member, condition), grant in self.items.items():
            wider = self.items.get((role, resource, member, ""))
            if condition and wider is not None:
                wider.sources += [s for s in grant.sources if s not in wider.sources]
                continue
            result.append(grant)
        return result


def map_role(
    plan: Plan,
    *,
    gcp_project: str,
    name: str,
    role: RoleDocuments | None = None,
    facts: JobFacts | None = None,
    role_note: str = "",
) -> IamPlan:
    """The ``[iam]`` section for ``plan``: grants with their sources, and what is not carried.

    ``role`` is None without AWS access (``role_note`` says why): the grants then come from
    the plan alone, each read scoped to its channel's prefix.
    """
    facts = facts or JobFacts()
    if not gcp_project:
        raise IamMappingError(
            "no Google Cloud project for the service account: set target.gcp_project in "
            "liftshift.toml or GOOGLE_CLOUD_PROJECT"
        )
    account = (
        plan.iam.service_account
        or plan.training.service_account
        or default_service_account(name, gcp_project)
    )
    validate_service_account(account)
    analysis = analyse(role.statements) if role is not None else PolicyAnalysis()
    grants = _Grants()
    notes: list[IamNotePlan] = []
    if role_note:
        notes.append(IamNotePlan(role_note, "grants come from the plan alone", facts.role))
    used: set[S3Grant] = set()

    staging = plan.training.staging_bucket.removeprefix("gs://").strip("/").split("/", 1)[0]
    staging_sources = _staging_sources(staging, facts, analysis, used)
    for channel in plan.data.channels:
        if not channel.destination.startswith("gs://"):
            continue
        dst_bucket, dst_key = _split(channel.destination)
        sources = [f"channel {channel.name} reads {channel.destination}"]
        condition = ""
        if channel.source.startswith("s3://"):
            sources[0] += f" (from {channel.source})"
            src_bucket, src_key = _split(channel.source)
            scope, scope_sources = _read_scope(analysis, role, src_bucket, src_key, used)
            sources += scope_sources
            prefix = dst_key if scope is None else _translate(scope, src_key, dst_key)
            if prefix:
                condition = prefix_condition(dst_bucket, prefix)
            for deny in _matching(analysis, src_bucket, src_key, "read", allow=False):
                notes.append(
                    IamNotePlan(deny.describe(), "the plan reads it; review", deny.statement.source)
                )
        elif dst_key:
            condition = prefix_condition(dst_bucket, dst_key)
        grants.add(OBJECT_VIEWER, f"gs://{dst_bucket}", "job", sources, condition)
    if staging:
        condition = prefix_condition(staging, STAGING_PREFIX)
        grants.add(OBJECT_USER, f"gs://{staging}", "job", staging_sources, condition)
    else:
        notes.append(
            IamNotePlan(
                "no staging bucket", "set training.staging_bucket and rerun `liftshift iam plan`"
            )
        )

    log_sources = _statement_lines(p for p in analysis.other if _service(p) == "logs")
    grants.add(
        LOG_WRITER,
        GRANT_ON_PROJECT,
        "job",
        log_sources or ["Vertex AI writes the job's logs as its account"],
    )
    launch = [
        "the person launching the job calls Vertex AI (SageMaker: sagemaker:CreateTrainingJob)"
    ]
    acts = _statement_lines(p for p in analysis.other if p.action.lower() == "iam:passrole")
    if role is not None and "sagemaker.amazonaws.com" in role.trusted_services:
        acts.append(f"trust policy of {role.name}: sagemaker.amazonaws.com may assume it")
    grants.add(AIPLATFORM_USER, GRANT_ON_PROJECT, "launcher", launch)
    grants.add(
        SERVICE_ACCOUNT_USER,
        GRANT_ON_SERVICE_ACCOUNT,
        "launcher",
        acts or ["running a job as the service account needs iam.serviceAccounts.actAs"],
    )

    notes += _broad_notes(role, analysis)
    notes += _unmapped_s3(analysis, used)
    notes += _other_notes(analysis.other)
    notes += [
        IamNotePlan(text, "kept as a note: no Google counterpart is generated; review it", source)
        for source, text in analysis.notes
    ]
    return IamPlan(
        source_role=role.arn if role is not None else facts.role,
        service_account=account,
        launcher=plan.iam.launcher,
        grants=grants.without_redundant(),
        not_carried=notes,
    )


def _statement_lines(permissions: Iterable[OtherPermission]) -> list[str]:
    """``source: action, action`` per statement."""
    by_source: dict[str, list[str]] = {}
    for permission in permissions:
        by_source.setdefault(permission.statement.source, []).append(permission.action)
    return [f"{source}: {', '.join(actions)}" for source, actions in by_source.items()]


def _matching(
    analysis: PolicyAnalysis, bucket: str, key: str, access: str, *, allow: bool
) -> list[S3Grant]:
    return [
        grant
        for grant in analysis.s3
        if grant.allow == allow and access in grant.access and grant.covers(bucket, key)
    ]


def _read_scope(
    analysis: PolicyAnalysis,
    role: RoleDocuments | None,
    bucket: str,
    key: str,
    used: set[S3Grant],
) -> tuple[str | None, list[str]]:
    """The S3 prefix the role reads the channel through (the widest allowing statement),
    or None to scope the grant to the channel itself."""
    allowing = _matching(analysis, bucket, key, "read", allow=True)
    listing = _matching(analysis, bucket, key, "list", allow=True)
    used.update(allowing + listing)
    sources = [grant.describe() for grant in allowing + listing]
    if role is None:
        return None, sources
    if not allowing:
        why = "only through a broad grant" if analysis.broad or role.broad_policies else "nowhere"
        sources.append(f"role {role.name} allows reading it {why}: scoped to the channel")
        return None, sources
    widest = min(allowing, key=lambda grant: len(grant.prefix))
    return widest.prefix, sources


def _translate(role_prefix: str, src_key: str, dst_key: str) -> str:
    """The role's S3 prefix as a GCS prefix, through the channel's mapping ``src → dst``."""
    if src_key.startswith(role_prefix):
        suffix = src_key[len(role_prefix) :]
        if dst_key.endswith(suffix):
            return dst_key[: len(dst_key) - len(suffix)]
        return dst_key
    return dst_key + role_prefix[len(src_key) :]


def _staging_sources(
    staging: str, facts: JobFacts, analysis: PolicyAnalysis, used: set[S3Grant]
) -> list[str]:
    sources = [
        f"the job writes its model and checkpoints under gs://{staging}/{STAGING_PREFIX}jobs/ "
        f"and reads its package from gs://{staging}/{STAGING_PREFIX}packages/"
    ]
    for uri in facts.outputs:
        sources.append(f"SageMaker wrote {uri}")
        bucket, key = _split(uri)
        writing = _matching(analysis, bucket, key, "write", allow=True)
        used.update(writing)
        sources += [grant.describe() for grant in writing]
    return sources


def _broad_notes(role: RoleDocuments | None, analysis: PolicyAnalysis) -> list[IamNotePlan]:
    notes = [
        IamNotePlan(
            f"managed policy {arn.rsplit('/', 1)[-1]} (broad)",
            "not copied: the grants above give only what the plan uses",
            arn,
        )
        for arn in (role.broad_policies if role is not None else [])
    ]
    notes += [
        IamNotePlan(line.split(": ", 1)[1], "not copied (broad)", line.split(": ", 1)[0])
        for line in analysis.broad
    ]
    return notes


def _unmapped_s3(analysis: PolicyAnalysis, used: set[S3Grant]) -> list[IamNotePlan]:
    """S3 statements no grant came from: allows no channel uses, and denies (which matter
    when they cut into a prefix that was granted: IAM allow policies cannot subtract)."""
    notes = []
    for grant in analysis.s3:
        if grant in used:
            continue
        if grant.allow:
            google = (
                "no channel or output of the plan uses it: add a channel and rerun if the "
                "trainer reads it"
            )
        elif any(other.allow and other.covers(grant.bucket, grant.prefix) for other in used):
            google = (
                "inside a granted prefix: do not copy these objects to GCS, or exclude them "
                "with an IAM deny policy or a narrower condition"
            )
        else:
            google = "nothing to carry: the grants give only what is listed"
        notes.append(
            IamNotePlan(grant.describe().split(": ", 1)[1], google, grant.statement.source)
        )
    return notes


def _service(permission: OtherPermission) -> str:
    return permission.action.split(":", 1)[0].lower() if ":" in permission.action else "*"


def _other_notes(permissions: list[OtherPermission]) -> list[IamNotePlan]:
    """One note per (service, effect, statement): KMS, VPC, ECR and the rest."""
    grouped: dict[tuple[str, bool, str], list[OtherPermission]] = {}
    for permission in permissions:
        service = _service(permission)
        if service == "logs":
            continue  # carried over as roles/logging.logWriter
        key = (service, permission.allow, permission.statement.source)
        grouped.setdefault(key, []).append(permission)
    notes = []
    for (service, allow, source), items in grouped.items():
        actions = ", ".join(dict.fromkeys(p.action for p in items))
        resources = ", ".join(dict.fromkeys(r for p in items for r in p.resources))
        if not allow:
            google = "nothing to carry: the grants give only what is listed"
        else:
            google = SERVICES.get(
                service,
                f"no Google counterpart mapped: if the trainer calls {service}, grant the "
                "equivalent by hand",
            )
        verb = "" if allow else "Deny "
        notes.append(IamNotePlan(f"{verb}{actions} on {resources}", google, source))
    return notes
