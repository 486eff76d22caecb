"""The rules every ``liftshift.toml`` value must follow, checked when the plan is loaded.

One function per plan section, registered with :func:`~liftshift.foundation.plan.plan_check`;
a new section adds its own function here. Each yields ``(key, rule)`` for what is wrong, in
words a user can act on; :func:`~liftshift.foundation.plan.load_plan` turns the first into one
line naming the file and the full key. Nothing here touches the network or the buckets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from liftshift.foundation.catalog.launches import LAUNCHES
from liftshift.foundation.plan import (
    GRANT_ON_PROJECT,
    GRANT_ON_SERVICE_ACCOUNT,
    PLAN_VERSION,
    ChannelPlan,
    IamGrantPlan,
    IamPlan,
    ModelPlan,
    Plan,
    PlanContext,
    TrainingPlan,
    plan_check,
)
from liftshift.foundation.secrets import referenced_variable
from liftshift.foundation.storage.uri import bucket_problem

SUPPORTED_VERSIONS = (PLAN_VERSION,)
ALIAS_RE = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]$")
"""Vertex AI Model Registry version aliases."""
ALIAS_RULE = "[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

Problems = Iterator[tuple[str, str]]


@plan_check(Plan)
def _plan(plan: Plan, _context: PlanContext) -> Problems:
    if plan.version not in SUPPORTED_VERSIONS:
        yield (
            "version",
            f"{plan.version!r} is not a plan version this liftshift reads (it reads "
            f"{', '.join(map(str, SUPPORTED_VERSIONS))}); upgrade liftshift or set version = "
            f"{PLAN_VERSION}",
        )


@plan_check(ChannelPlan)
def _channel(channel: ChannelPlan, context: PlanContext) -> Problems:
    if channel.destination:
        yield from _uri("destination", channel.destination, "gs", "the GCS folder sync copies to")
    if _SCHEME.match(channel.source):
        yield from _uri("source", channel.source, "s3", "the S3 data, or a local folder")
    if channel.argument and not channel.argument.startswith("-"):
        yield "argument", f"{channel.argument!r} must be the trainer's flag, like '--train'"
    if channel.sample_data:
        yield from _inside_project("sample_data", channel.sample_data, context)


@plan_check(TrainingPlan)
def _training(training: TrainingPlan, _context: PlanContext) -> Problems:
    if training.timeout_hours < 0:
        yield (
            "timeout_hours",
            f"{training.timeout_hours!r} must be a positive number of hours (0 means no limit)",
        )
    if training.instance_count < 1:
        yield "instance_count", f"{training.instance_count!r} must be 1 or more"
    if training.accelerator_count < 0:
        yield "accelerator_count", f"{training.accelerator_count!r} must be 0 or more"
    if training.parameter_servers < 0:
        yield "parameter_servers", f"{training.parameter_servers!r} must be 0 or more"
    if training.distribution and training.distribution not in LAUNCHES:
        yield (
            "distribution",
            f"{training.distribution!r} is not a launch liftshift maps; one of "
            f"{', '.join(LAUNCHES)}, or empty for none",
        )
    if training.staging_bucket:
        bucket = training.staging_bucket.removeprefix("gs://").split("/", 1)[0]
        if _SCHEME.match(training.staging_bucket) and not training.staging_bucket.startswith(
            "gs://"
        ):
            yield "staging_bucket", f"{training.staging_bucket!r} must be a gs:// bucket"
        elif problem := bucket_problem("gs", bucket):
            yield "staging_bucket", problem
    for name, value in training.hyperparameters.items():
        if isinstance(value, dict) and "env" in value:
            variable = referenced_variable(value)
            if variable is None or not _ENV_NAME.match(variable):
                yield (
                    f"hyperparameters.{name}",
                    'a secret is read from an environment variable: write { env = "NAME" } '
                    "with NAME a variable name",
                )


@plan_check(ModelPlan)
def _model(model: ModelPlan, _context: PlanContext) -> Problems:
    for index, alias in enumerate(model.version_aliases):
        if not isinstance(alias, str) or not ALIAS_RE.match(alias):
            yield (
                f"version_aliases[{index}]",
                f"{alias!r} is not a version alias: it must match {ALIAS_RULE} (lowercase "
                "letter first, then letters, digits or '-', ending with a lowercase letter or "
                "digit)",
            )


SERVICE_ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
"""A user-managed service account's id (the part before ``@``)."""
MEMBER_KINDS = frozenset({"user", "group", "serviceAccount", "domain", "principal", "principalSet"})


def is_service_account(email: str) -> bool:
    """``ACCOUNT@PROJECT.iam.gserviceaccount.com`` with a valid account id."""
    account, _, domain = email.partition("@")
    return bool(SERVICE_ACCOUNT_ID.match(account)) and domain.endswith(".iam.gserviceaccount.com")


def is_member(member: str) -> bool:
    """An IAM member: ``user:…``, ``group:…``, ``serviceAccount:…``, ``domain:…``, …"""
    kind, _, name = member.partition(":")
    return kind in MEMBER_KINDS and bool(name.strip())


@plan_check(IamPlan)
def _iam(iam: IamPlan, _context: PlanContext) -> Problems:
    if iam.service_account and not is_service_account(iam.service_account):
        yield (
            "service_account",
            f"{iam.service_account!r} is not a service account e-mail "
            "(NAME@PROJECT.iam.gserviceaccount.com, NAME 6-30 lowercase letters, digits or '-')",
        )
    if iam.launcher and not is_member(iam.launcher):
        yield "launcher", f"{iam.launcher!r} must be an IAM member, like 'user:you@example.com'"


@plan_check(IamGrantPlan)
def _iam_grant(grant: IamGrantPlan, _context: PlanContext) -> Problems:
    if not grant.role.startswith(("roles/", "projects/", "organizations/")):
        yield "role", f"{grant.role!r} must be an IAM role, like 'roles/storage.objectViewer'"
    if grant.resource not in (GRANT_ON_PROJECT, GRANT_ON_SERVICE_ACCOUNT):
        yield from _uri(
            "resource", grant.resource, "gs", "a bucket, 'project' or 'service-account'"
        )
    if grant.member not in ("job", "launcher") and not is_member(grant.member):
        yield (
            "member",
            f"{grant.member!r} must be 'job', 'launcher' or an IAM member like "
            "'group:ml@example.com'",
        )


def _uri(key: str, value: str, scheme: str, what: str) -> Problems:
    prefix = f"{scheme}://"
    if not value.startswith(prefix):
        yield key, f"{value!r} must be a {prefix} URI ({what})"
        return
    bucket = value[len(prefix) :].split("/", 1)[0]
    if not bucket:
        yield key, f"{value!r} has no bucket name"
    elif problem := bucket_problem(scheme, bucket):
        yield key, problem


def _inside_project(key: str, value: Any, context: PlanContext) -> Problems:
    project = context.project_dir.resolve()
    path = Path(value)
    resolved = (project / path).resolve()
    if path.is_absolute() or not resolved.is_relative_to(project):
        yield (
            key,
            f"{value!r} must be a folder or file inside the project ({project}); the local "
            "target copies it into its buckets",
        )
