"""The Storage Transfer Service engine, for buckets beyond one machine.

We create a TransferJob (``aws_s3_data_source`` → ``gcs_data_sink``), run it, and turn the
``TransferOperation`` counters into the same :class:`SyncProgress` events as our copier. AWS
access: a role ARN (``role_arn`` / ``LIFTSHIFT_STS_ROLE_ARN``, preferred: STS assumes it with
its own identity, no secret leaves the machine), else the long-term access key from the AWS
credential chain, sent only inside the job request — never logged, printed or written to the
plan. After the operation ends, the destination is listed and compared with the plan, so the
result names exactly which objects are there and which are not.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from liftshift.foundation import clients
from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import AccessDenied, StorageError
from liftshift.foundation.storage.uri import channel_dir_uri
from liftshift.sync.events import ObjectEvent, SyncProgress, SyncStarted
from liftshift.sync.plan import SyncItem, SyncPlan, plan_sync
from liftshift.sync.runner import SyncResult

ROLE_ENV = "LIFTSHIFT_STS_ROLE_ARN"
ROLE_HINT = "`liftshift iam sts-policy PATH` prints its trust and permissions policies"


def _folder(prefix: str) -> str:
    """STS paths are folder prefixes: empty or ending in ``/``."""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def aws_access(settings: Settings, role_arn: str | None) -> dict[str, Any]:
    """The ``aws_s3_data_source`` credentials part: a role ARN, or the chain's access key."""
    role = role_arn or os.environ.get(ROLE_ENV)
    if role:
        return {"role_arn": role}
    import boto3

    session = boto3.session.Session(profile_name=settings.aws.profile)
    credentials = session.get_credentials()
    if credentials is None:
        raise AccessDenied(
            f"no AWS credentials for Storage Transfer Service; set {ROLE_ENV} to a role it may "
            f"assume ({ROLE_HINT})"
        )
    frozen = credentials.get_frozen_credentials()
    if frozen.token:
        raise AccessDenied(
            "temporary AWS credentials cannot be handed to Storage Transfer Service; "
            f"set {ROLE_ENV} to a role it may assume ({ROLE_HINT})"
        )
    return {
        "aws_access_key": {
            "access_key_id": frozen.access_key,
            "secret_access_key": frozen.secret_key,
        }
    }


def _paths(plan: SyncPlan) -> tuple[str, str, list[str]]:
    """STS ``path``s are folders, so a channel that names one object (``titanic/train.csv``,
    as SageMaker allows) is copied from the parent folders with ``include_prefixes`` (relative
    to the source path) selecting it. Any other prefix is a folder, as our own copier reads it
    (``under_prefix``). Without a listing (a dry run), a last segment that looks like a file
    name means an object, the same rule the trainer arguments use (``channel_dir_uri``)."""
    source, destination = plan.source.prefix, plan.destination.prefix
    names_object = any(item.key == source for item in plan.items) or (
        not plan.items and channel_dir_uri(str(plan.source)) != str(plan.source).rstrip("/")
    )
    src_parent, _, src_name = source.rpartition("/")
    dst_parent, _, dst_name = destination.rpartition("/")
    if names_object and src_name and src_name == dst_name:
        return _folder(src_parent), _folder(dst_parent), [src_name]
    return _folder(source), _folder(destination), []


def transfer_job(plan: SyncPlan, settings: Settings, role_arn: str | None) -> dict[str, Any]:
    if plan.source.scheme != "s3" or plan.destination.scheme != "gs":
        raise StorageError("Storage Transfer Service copies s3:// to gs:// only")
    if not settings.gcp.project:
        raise StorageError("Storage Transfer Service needs a project: set GOOGLE_CLOUD_PROJECT")
    source_path, sink_path, include = _paths(plan)
    spec: dict[str, Any] = {
        "aws_s3_data_source": {
            "bucket_name": plan.source.bucket,
            "path": source_path,
            **aws_access(settings, role_arn),
        },
        "gcs_data_sink": {"bucket_name": plan.destination.bucket, "path": sink_path},
        "transfer_options": {"overwrite_when": "DIFFERENT"},
    }
    if include:
        spec["object_conditions"] = {"include_prefixes": include}
    return {
        "project_id": settings.gcp.project,
        "description": f"liftshift sync {plan.source} -> {plan.destination}",
        "status": "ENABLED",
        "transfer_spec": spec,
    }


def _code_name(code: Any) -> str:
    from google.rpc import code_pb2

    try:
        return str(code_pb2.Code.Name(int(code)))
    except ValueError:
        return str(code)


def _progress(meta: Any, started: float, objects_total: int, bytes_total: int) -> SyncProgress:
    counters = meta.counters
    elapsed = time.monotonic() - started
    done_bytes = int(counters.bytes_copied_to_sink) + int(
        counters.bytes_from_source_skipped_by_sync
    )
    objects = int(counters.objects_copied_to_sink) + int(
        counters.objects_from_source_skipped_by_sync
    )
    found = int(counters.bytes_found_from_source) or bytes_total
    rate = done_bytes / elapsed if elapsed > 0 else 0.0
    return SyncProgress(
        objects_done=objects,
        objects_total=int(counters.objects_found_from_source) or objects_total,
        bytes_done=done_bytes,
        bytes_total=found,
        failed=int(counters.objects_from_source_failed),
        elapsed=elapsed,
        bytes_per_second=rate,
        eta_seconds=(found - done_bytes) / rate if rate > 0 else None,
    )


def run_transfer(
    plan: SyncPlan,
    settings: Settings,
    reporter: Reporter = ignore,
    cancel: threading.Event | None = None,
    *,
    role_arn: str | None = None,
    poll_interval: float = 5.0,
) -> SyncResult:
    """Run ``plan`` as a Storage Transfer Service job and wait for it, reporting progress."""
    cancel = cancel or threading.Event()
    request = transfer_job(plan, settings, role_arn)
    client = clients.storage_transfer_client(settings)
    todo = plan.to_copy
    bytes_total = plan.bytes("new") + plan.bytes("changed")
    started = time.monotonic()
    reporter(SyncStarted(str(plan.source), str(plan.destination), "sts", len(todo), bytes_total))
    job = client.create_transfer_job(request={"transfer_job": request})
    operation = client.run_transfer_job(
        request={"job_name": job.name, "project_id": settings.gcp.project}
    )
    cancelled = False
    wait = min(0.5, poll_interval)  # quick first answers, then back off to poll_interval
    while not operation.done():
        if operation.metadata is not None:
            reporter(_progress(operation.metadata, started, len(todo), bytes_total))
        wait = min(poll_interval, wait * 1.5)
        if cancel.wait(wait):
            operation.cancel()
            cancelled = True
            break
    result = SyncResult(str(plan.source), str(plan.destination), "sts", cancelled=cancelled)
    meta = operation.metadata
    if meta is not None:
        reporter(_progress(meta, started, len(todo), bytes_total))
        result.bytes_copied = int(meta.counters.bytes_copied_to_sink)
        for summary in meta.error_breakdowns:
            code = _code_name(summary.error_code)
            for entry in summary.error_log_entries:
                reason = f"{code}: {'; '.join(entry.error_details)}"
                result.add_failure(entry.url, reason)
                reporter(ObjectEvent(entry.url, "failed", 0, reason))
    error = None if cancelled else operation.exception()
    if error is not None and not result.failed_count:
        result.add_failure(str(plan.source), f"transfer failed: {error}")
        reporter(ObjectEvent(str(plan.source), "failed", 0, f"transfer failed: {error}"))
    _reconcile(plan, settings, result, reporter)
    result.elapsed = time.monotonic() - started
    reporter(result.finished_event())
    return result


def _reconcile(
    plan: SyncPlan, settings: Settings, result: SyncResult, reporter: Reporter = ignore
) -> None:
    """List the destination after the transfer: what is there with matching hashes is
    verified; what STS copied without a comparable hash (multipart) rests on STS's own
    integrity check and says so; what is missing is a failure. Each object's verdict goes out
    as an :class:`ObjectEvent` (as the copier's do); the result keeps the counts."""
    failed_keys = {f.key for f in result.failed}  # (at most FAILURES_LISTED)
    after = plan_sync(plan.source, plan.destination, settings)
    result.skipped = plan.count("identical")
    for item in _copied_by_the_transfer(plan, after):
        if item.action == "identical":
            result.verified += 1
            reporter(
                ObjectEvent(item.key, "verified", item.size, f"storage-transfer, {item.reason}")
            )
        elif item.action == "changed" and item.reason.startswith("no comparable hash"):
            result.verified += 1
            detail = "storage-transfer, sts-integrity-check"
            reporter(ObjectEvent(item.key, "verified", item.size, detail))
        elif (
            not result.cancelled
            and not result.failures_unlisted  # (unlisted ones cannot be told from the rest)
            and f"s3://{plan.source.bucket}/{item.key}" not in failed_keys
        ):
            what = "missing" if item.action == "new" else item.reason
            result.add_failure(item.key, f"after transfer: {what}")
            reporter(ObjectEvent(item.key, "failed", item.size, f"after transfer: {what}"))


def _copied_by_the_transfer(plan: SyncPlan, after: SyncPlan) -> Iterator[SyncItem]:
    """The items of ``after`` that ``plan`` had to copy. Both plans read their items in key
    order from their own files, so a merge of the two streams finds them without holding a set
    of every key in memory."""
    before = iter(plan.to_copy)
    wanted = next(before, None)
    for item in after.items:
        while wanted is not None and wanted.key < item.key:
            wanted = next(before, None)
        if wanted is not None and wanted.key == item.key:
            yield item
