"""``liftshift iam``: the SageMaker execution role → a least-privilege Vertex AI service account.

``iam plan`` reads the role (AWS credential chain) and writes the plan's ``[iam]`` section;
``iam apply`` creates the account and adds the bindings (``--dry-run``: the requests, no
credentials); ``iam sts-policy`` prints the AWS role documents for Storage Transfer Service.
Exit codes: 0 done; 1 a request failed or nothing to apply yet; 2 usage.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click

from liftshift.foundation.settings import TARGETS

PATH_ARGUMENT = click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)


@click.group()
def iam() -> None:
    """Map the SageMaker execution role to a Google Cloud service account and its roles."""


def _load(path: Path, target: str | None = None) -> tuple[Any, Any]:
    from liftshift.foundation.plan import PlanError, load_plan, settings_for_plan
    from liftshift.foundation.settings import Settings

    try:
        plan = load_plan(path)
    except PlanError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = settings_for_plan(plan, Settings.from_env(path), target=target)
    return plan, settings


@iam.command("plan")
@click.argument("path", type=PATH_ARGUMENT, default=".")
@click.option("--role", metavar="ARN", help="Read this role instead of the one the scan found.")
@click.option("--no-aws", is_flag=True, help="Do not read the role: map from the plan alone.")
@click.option("--json", "as_json", is_flag=True, help="Print the [iam] section as JSON.")
def plan_command(path: Path, role: str | None, no_aws: bool, as_json: bool) -> None:
    """Read the execution role and write the [iam] section of liftshift.toml at PATH."""
    from liftshift.iam.mapping import IamMappingError
    from liftshift.iam.planning import propose_iam, save_iam
    from liftshift.scan import scan_project

    plan, settings = _load(path)
    scan = scan_project(path)
    try:
        proposal = propose_iam(plan, settings, scan=scan, role=role, use_aws=not no_aws)
    except IamMappingError as exc:
        raise click.ClickException(f"{path / 'liftshift.toml'}: {exc}") from exc
    written = save_iam(proposal.plan, path)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(proposal.plan.iam), indent=2))
        return
    render_iam(proposal.plan.iam, proposal.role)
    click.echo(f"Wrote [iam] and training.service_account to {written}")


def render_iam(iam_plan: Any, role: Any = None) -> None:
    """The grants with their sources, then what is not carried over."""
    from rich.console import Console
    from rich.table import Table

    from liftshift.iam.gcp import member_for
    from liftshift.iam.summary import condition_text

    console = Console(width=None if sys.stdout.isatty() else 140)
    if role is not None:
        console.print(f"[bold]Role[/] {role.arn}: {', '.join(role.policies) or 'no policies'}")
    console.print(f"[bold]Service account[/] {iam_plan.service_account}")
    table = Table(title="Grants (least privilege)", title_justify="left", show_lines=True)
    for column in ("grant", "on", "to", "from"):
        table.add_column(column, overflow="fold")
    for grant in iam_plan.grants:
        on = grant.resource + (f"\nif {condition_text(grant.condition)}" if grant.condition else "")
        member = member_for(grant, iam_plan) or "launcher (set iam.launcher)"
        table.add_row(grant.role, on, member, "\n".join(grant.sources))
    console.print(table)
    if iam_plan.not_carried:
        table = Table(title="Not carried over", title_justify="left", show_lines=True)
        for column in ("AWS permission", "on Google Cloud", "source"):
            table.add_column(column, overflow="fold")
        for note in iam_plan.not_carried:
            table.add_row(note.permission, note.google, note.source)
        console.print(table)


@iam.command("apply")
@click.argument("path", type=PATH_ARGUMENT, default=".")
@click.option("--target", type=click.Choice(TARGETS), help="Override the plan's target.")
@click.option("--dry-run", is_flag=True, help="Print the requests; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the requests or result as JSON.")
def apply_command(path: Path, target: str | None, dry_run: bool, as_json: bool) -> None:
    """Create the service account and add its bindings (idempotent; removes nothing)."""
    from liftshift.foundation.clients import CredentialsError
    from liftshift.iam.gcp import IamApplyError, apply_iam, planned_requests
    from liftshift.iam.mapping import IamMappingError

    plan, settings = _load(path, target)
    if not plan.iam.service_account or not plan.iam.grants:
        raise click.ClickException(
            f"{path / 'liftshift.toml'}: no [iam] grants yet; run `liftshift iam plan {path}`"
        )
    project = plan.target.gcp_project or settings.gcp.project or ""
    try:
        if dry_run:
            requests = planned_requests(plan.iam, project or "<project>")
            click.echo(json.dumps(requests, indent=2))
            return
        if settings.target != "gcp":
            click.echo(
                "liftshift: iam apply needs --target gcp (the local target has no IAM); "
                "--dry-run shows the requests",
                err=True,
            )
            sys.exit(2)
        if not project:
            raise click.ClickException(
                f"{path / 'liftshift.toml'}: no Google Cloud project: set target.gcp_project "
                "or GOOGLE_CLOUD_PROJECT"
            )
        result = apply_iam(plan.iam, project, settings)
    except (IamApplyError, IamMappingError, CredentialsError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result), indent=2))
    else:
        print_result(result, plan.iam.service_account)


def print_result(result: Any, account: str) -> None:
    verb = "created" if result.created_account else "exists"
    click.echo(f"service account {account}: {verb}")
    for line in result.added:
        click.echo(f"  added  {line}")
    for line in result.kept:
        click.echo(f"  kept   {line}")
    for line in result.skipped:
        click.echo(f"  NOT GRANTED  {line}")
    changed = "changed" if result.changed else "nothing to change"
    click.echo(f"{len(result.added)} binding(s) added, {len(result.kept)} already there: {changed}")


@iam.command("sts-policy")
@click.argument("path", type=PATH_ARGUMENT, default=".")
@click.option(
    "--subject-id",
    metavar="ID",
    help="The transfer service account's subject id (else read from Storage Transfer).",
)
def sts_policy_command(path: Path, subject_id: str | None) -> None:
    """Print the AWS role documents that let Storage Transfer Service read the sources."""
    from liftshift.iam.sts_trust import (
        TransferAccount,
        TransferAccountError,
        source_prefixes,
        sts_role_documents,
        transfer_account,
    )

    plan, settings = _load(path)
    if not source_prefixes(plan):
        raise click.ClickException(f"{path / 'liftshift.toml'}: no channel reads from s3://")
    if subject_id:
        account = TransferAccount("(given with --subject-id)", subject_id)
    else:
        project = plan.target.gcp_project or settings.gcp.project
        if not project:
            raise click.ClickException(
                "no Google Cloud project: set target.gcp_project or GOOGLE_CLOUD_PROJECT, "
                "or pass --subject-id"
            )
        try:
            account = transfer_account(settings, project)
        except TransferAccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(sts_role_documents(plan, account), indent=2))
