"""Every cloud request a run would send, as plain data: ``liftshift run --dry-run``.

Sends nothing, writes nothing and needs no credentials, so a user (and we) can review the whole
cloud path — transfer, package upload, CustomJob, Model.upload — before spending money.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from liftshift.foundation.plan import Plan, load_plan, plan_path, settings_for_plan
from liftshift.foundation.settings import Settings
from liftshift.run.pipeline import RunOptions, StepError


def dry_run(
    project_dir: Path, settings: Settings, options: RunOptions | None = None
) -> dict[str, Any]:
    """Every request a real run would send, as plain data; sends nothing, writes nothing and
    needs no credentials. This is how a user reviews the cloud path before spending money."""
    from liftshift.foundation.storage import parse_uri
    from liftshift.migrator.migrate import migrate_project
    from liftshift.migrator.planner import plan_from_scan
    from liftshift.scan import scan_project
    from liftshift.sync import engine as sync_engine
    from liftshift.sync.plan import SyncPlan
    from liftshift.sync.sts import ROLE_ENV, transfer_job
    from liftshift.trainer.jobs import build_job_spec
    from liftshift.trainer.service import dry_run_requests

    options = options or RunOptions()
    project_dir = Path(project_dir).resolve()
    existing = plan_path(project_dir).exists()
    if existing:
        plan = load_plan(project_dir)
    else:
        scan = scan_project(project_dir)
        if not scan.is_sagemaker_project:
            raise StepError(f"{project_dir}: no SageMaker launcher or training script found")
        plan = plan_from_scan(scan)
    settings = settings_for_plan(
        plan, replace(settings, project_dir=project_dir), target=options.target
    )
    target, gcp = settings.target, settings.gcp

    migration = migrate_project(project_dir, plan=plan, launchers=list(plan.code.launchers))
    data = []
    for channel in plan.data.channels:
        if not channel.source.startswith("s3://") or not channel.destination.startswith("gs://"):
            data.append({"channel": channel.name, "upload_folder": channel.source})
            continue
        sync_plan = SyncPlan(parse_uri(channel.source), parse_uri(channel.destination))
        request = transfer_job(
            sync_plan,
            replace(settings, gcp=replace(gcp, project=gcp.project or "<project>")),
            role_arn=f"<role ARN from --role-arn or {ROLE_ENV}>",
        )
        data.append(
            {
                "channel": channel.name,
                "source": channel.source,
                "destination": channel.destination,
                "engine": plan.data.engine,
                "copy": "streamed through this machine; MD5 and CRC32C checked for every object",
                "storage_transfer_job": request,
                "engine_rule": (
                    f"auto uses Storage Transfer Service from {sync_engine.STS_MIN_OBJECTS:,} "
                    f"objects or {sync_engine.STS_MIN_BYTES // 1024**4} TiB, else the copy"
                ),
            }
        )
    access, plan = _iam(plan, settings, target)
    training = dry_run_requests(build_job_spec(plan, settings), settings)
    return {
        "project": str(project_dir),
        "target": target,
        "plan": "liftshift.toml exists" if existing else "liftshift.toml would be written",
        "migrate": {
            "summary": migration.summary(),
            "files": [change.path for change in migration.changeset if change.is_effective],
            "attention": [str(entry) for entry in migration.entries],
        },
        "sync": data,
        "iam": access,
        **{key: value for key, value in training.items() if key != "target"},
    }


def _iam(plan: Plan, settings: Settings, target: str) -> tuple[dict[str, Any], Plan]:
    """The service account and binding requests (gcp), and the plan the job then runs with
    (its ``training.service_account`` set). Reads no role: the plan's ``[iam]`` section, else
    the mapping from the plan alone (``liftshift iam plan`` reads the role)."""
    from liftshift.iam.gcp import planned_requests
    from liftshift.iam.planning import propose_iam

    if target != "gcp":
        return {"skipped": "the local target runs as you: no IAM"}, plan
    project = plan.target.gcp_project or settings.gcp.project or "<project>"
    note = "from liftshift.toml [iam]"
    if not plan.iam.grants:
        plan = propose_iam(plan, settings, use_aws=False, gcp_project=project).plan
        note = "mapped from the plan alone (`liftshift iam plan` reads the SageMaker role)"
    return {"source": note, **planned_requests(plan.iam, project)}, plan
