"""``liftshift sync`` and ``liftshift local``: the data step on the command line.

``liftshift sync SRC DST`` copies one prefix; ``liftshift sync PATH`` copies every channel of the
project's ``liftshift.toml`` (seeding the local target from ``sample_data`` first) and then checks
that every path the trainer will read is there and proven. Progress is drawn with rich on stderr
so ``--json`` output on stdout stays machine-readable. Exit codes: 0 all verified, 1 some object
failed, the sync was interrupted or its journal could not be written (rerun to resume), 2 bad
input, a missing bucket or refused credentials (one line on stderr, nothing copied).
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click

from liftshift.foundation.events import human_bytes, printable
from liftshift.foundation.settings import TARGETS, Settings

ENGINE_HELP = (
    "copy: liftshift's verified, resumable copier. sts: a Google Storage Transfer Service job "
    "(gcp target, s3:// to gs://). auto (default): sts from 1,000,000 objects or 1 TiB to copy, "
    "else copy."
)


@dataclass(frozen=True)
class SyncOptions:
    """The flags of ``liftshift sync``, passed as one value."""

    dry_run: bool = False
    as_json: bool = False
    engine: str | None = None
    workers: int = 16
    target: str | None = None
    project: Path | None = None
    role_arn: str | None = None
    chunk_size: int = 32 * 1024 * 1024
    memory: int = 160 * 1024 * 1024
    parallel_reads: int = 1

    def copy_options(self) -> Any:
        from liftshift.sync import CopyOptions

        return CopyOptions(
            chunk_size=self.chunk_size,
            single_request_max=min(8 * 1024 * 1024, self.chunk_size // 2),
            memory_budget=self.memory,
            parallel_reads=self.parallel_reads,
        )


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"liftshift sync: {message}", err=True)
    sys.exit(code)


def _settings(project: Path, target: str | None) -> Settings:
    settings = Settings.from_env(project)
    return settings.with_target(target) if target else settings  # type: ignore[arg-type]


class RichReporter:
    """Turns sync events into rich progress bars (one per sync) on stderr."""

    def __init__(self, quiet: bool) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        from liftshift.commands.output import make_console

        self.console = make_console(stderr=True)
        self.quiet = quiet
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[objects]} objects"),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            disable=quiet,
            transient=False,
            # Redirected to a file or a CI log, only the final bars are written: redrawing them
            # ten times a second for nobody cost ~4% of a large copy's CPU.
            auto_refresh=self.console.is_terminal,
        )
        self.task: Any = None
        self._lock = threading.Lock()

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: object) -> None:
        from rich.markup import escape

        from liftshift.sync import ObjectEvent, SyncProgress, SyncStarted
        from liftshift.sync.channels import Seeded

        with self._lock:
            if isinstance(event, SyncStarted):
                label = escape(printable(f"{event.source} → {event.destination}"))
                if event.engine == "sts":
                    label += " (Storage Transfer Service)"
                self.task = self.progress.add_task(
                    label, total=max(event.bytes, 1), objects=f"0/{event.objects}"
                )
            elif isinstance(event, SyncProgress) and self.task is not None:
                failed = f", {event.failed} failed" if event.failed else ""
                self.progress.update(
                    self.task,
                    completed=event.bytes_done,
                    total=max(event.bytes_total, 1),
                    objects=f"{event.objects_done}/{event.objects_total}{failed}",
                )
            elif isinstance(event, ObjectEvent) and event.state == "failed" and not self.quiet:
                self.progress.console.print(
                    f"[red]failed[/] {escape(printable(event.key))}: {escape(event.detail)}"
                )
            elif isinstance(event, ObjectEvent) and event.state == "resuming" and not self.quiet:
                self.progress.console.print(
                    f"resuming {escape(printable(event.key))} from "
                    f"{human_bytes(event.resumed_from)}"
                )
            elif isinstance(event, Seeded) and not self.quiet:
                self.progress.console.print(
                    f"seeded {event.destination} with {event.objects} sample object(s)"
                )


def _print_plan(plan: Any, as_json: bool, limit: int = 50) -> None:
    if as_json:
        payload = {
            "source": str(plan.source),
            "destination": str(plan.destination),
            "summary": plan.summary(),
            "items": [
                {
                    "key": item.key,
                    "destination": item.dst_key,
                    "action": item.action,
                    "size": item.size,
                    "reason": item.reason,
                }
                for item in plan.items
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"{plan.source} → {plan.destination}")
    for action in ("new", "changed", "identical"):
        click.echo(
            f"  {action:<9} {plan.count(action):>8} objects  {human_bytes(plan.bytes(action)):>10}"
        )
    shown = plan.to_copy[:limit]
    for item in shown:
        reason = f"  ({item.reason})" if item.reason else ""
        click.echo(f"  {item.action:<7} {printable(item.key)}  {human_bytes(item.size)}{reason}")
    if len(plan.to_copy) > limit:
        click.echo(f"  … and {len(plan.to_copy) - limit} more (use --json for all)")


def _print_result(result: Any) -> None:
    line = (
        f"{result.source} → {result.destination}: {result.verified} verified "
        f"({human_bytes(result.bytes_copied)} copied), {result.skipped} already identical, "
        f"{result.failed_count} failed in {result.elapsed:.1f}s"
    )
    click.echo(line, err=True)
    for failure in result.failed:
        click.echo(f"  FAILED {printable(failure.key)}: {printable(failure.reason)}", err=True)
    if result.failures_unlisted:
        click.echo(
            f"  … and {result.failures_unlisted} more failed objects (the first "
            f"{len(result.failed)} are listed); rerun to retry them all",
            err=True,
        )
    if result.cancelled:
        click.echo("  interrupted: rerun the same command to resume", err=True)


def _run_in_thread(work: Any) -> Any:
    """Run ``work(cancel)`` in a thread so Ctrl-C sets the cancel event instead of tearing
    down a half-written chunk; a second Ctrl-C aborts."""
    from liftshift.commands.background import run_cancellable

    return run_cancellable(
        work,
        lambda: click.echo(
            "\ncancelling: finishing open chunks (Ctrl-C again to abort)…", err=True
        ),
        name="liftshift-sync",
    )


@click.command()
@click.argument("source")
@click.argument("destination", required=False)
@click.option(
    "--dry-run", is_flag=True, help="Print the plan (new/changed/identical); copy nothing."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary on stdout.")
@click.option(
    "--engine",
    type=click.Choice(["auto", "copy", "sts"]),
    default=None,
    help=ENGINE_HELP,
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Objects copied in parallel.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 1024),
    default=32,
    show_default=True,
    help="MiB per resumable-upload request (objects up to 8 MiB go in one PUT; up to this "
    "size, in one streamed request).",
)
@click.option(
    "--memory",
    type=click.IntRange(16, 65536),
    default=160,
    show_default=True,
    help="MiB of read-ahead buffers (about 6 MiB per large object); bounds how many stream "
    "at once.",
)
@click.option(
    "--parallel-reads",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Ranged GETs in flight per large object (8 MiB each). Helps a few big objects on a "
    "fast link to S3; against an S3 emulator it is usually slower.",
)
@click.option("--target", type=click.Choice(TARGETS), default=None, help="Override the target.")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Project folder holding .liftshift/ (the journal). Default: PATH, or the current folder.",
)
@click.option("--role-arn", default=None, help="AWS role Storage Transfer Service assumes.")
def sync(  # noqa: PLR0917 (click passes every option)
    source: str,
    destination: str | None,
    dry_run: bool,
    as_json: bool,
    engine: str | None,
    workers: int,
    chunk_size: int,
    memory: int,
    parallel_reads: int,
    target: str | None,
    project: Path | None,
    role_arn: str | None,
) -> None:
    """Copy S3 data to GCS, verified by MD5/CRC32C and resumable.

    \b
    liftshift sync s3://bucket/prefix gs://bucket/prefix
    liftshift sync PATH        every channel of PATH/liftshift.toml, then a post-sync check

    The target (local folders or the real clouds) comes from --target, the plan, or
    LIFTSHIFT_TARGET; endpoints from AWS_ENDPOINT_URL(_S3) and STORAGE_EMULATOR_HOST.
    """
    from liftshift.foundation.plan import PlanError
    from liftshift.foundation.storage import BadURI, StorageError
    from liftshift.sync.journal import JournalError
    from liftshift.sync.nearest import EmptySource

    options = SyncOptions(
        dry_run,
        as_json,
        engine,
        workers,
        target,
        project,
        role_arn,
        chunk_size * 1024 * 1024,
        memory * 1024 * 1024,
        parallel_reads,
    )
    try:
        if destination is None:
            code = _sync_project(Path(source), options)
        else:
            code = _sync_uris(source, destination, options)
    except (JournalError, EmptySource) as exc:  # the data step failed, not the command line
        _fail(str(exc), 1)
    except (BadURI, PlanError, FileNotFoundError, StorageError) as exc:
        _fail(str(exc))
    sys.exit(code)


def _sync_uris(source: str, destination: str, options: SyncOptions) -> int:
    from liftshift.foundation.storage import parse_uri
    from liftshift.sync import plan_sync, run_sync
    from liftshift.sync.engine import choose_engine

    parse_uri(source)
    parse_uri(destination)
    settings = _settings(options.project or Path.cwd(), options.target)
    if settings.target == "local" and not options.dry_run:
        _ensure_local_bucket(destination, settings)
    plan = plan_sync(source, destination, settings)
    if options.dry_run:
        _print_plan(plan, options.as_json)
        return 0
    chosen = choose_engine(plan, settings, options.engine or "auto")  # type: ignore[arg-type]
    with RichReporter(quiet=False) as reporter:
        if chosen == "sts":
            from liftshift.sync.sts import run_transfer

            result = _run_in_thread(
                lambda cancel: run_transfer(
                    plan, settings, reporter, cancel, role_arn=options.role_arn
                )
            )
        else:
            result = _run_in_thread(
                lambda cancel: run_sync(
                    plan,
                    settings,
                    reporter,
                    cancel,
                    workers=options.workers,
                    options=options.copy_options(),
                )
            )
    _print_result(result)
    if options.as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    return 0 if result.ok else 1


def _ensure_local_bucket(uri: str, settings: Settings) -> None:
    """On the local target a bucket is just a folder: create the destination's on demand."""
    from liftshift.foundation.storage import BucketNotFound, open_store

    store = open_store(uri, settings)
    try:
        store.check_bucket()
    except BucketNotFound:
        store.create_bucket()


def _dry_run_project(plan: Any, settings: Settings, as_json: bool) -> int:
    from liftshift.foundation.storage import BucketNotFound
    from liftshift.sync import plan_sync

    plans = []
    for channel in plan.data.channels:
        if not channel.source or not channel.destination:
            continue
        if "://" not in channel.source:
            click.echo(f"channel {channel.name}: would upload folder {channel.source}", err=True)
            continue
        try:
            plans.append(plan_sync(channel.source, channel.destination, settings))
        except BucketNotFound as exc:
            if settings.target != "local":
                raise
            seed = f"; would seed from {channel.sample_data}" if channel.sample_data else ""
            click.echo(f"channel {channel.name}: {exc}{seed}", err=True)
    if as_json:
        click.echo(json.dumps([_plan_json(p) for p in plans], indent=2, ensure_ascii=False))
    else:
        for sync_plan in plans:
            _print_plan(sync_plan, False)
    return 0


def _sync_project(path: Path, options: SyncOptions) -> int:
    from liftshift.foundation.plan import load_plan, settings_for_plan
    from liftshift.sync.channels import check_channels, sync_channels

    if "://" in str(path):
        raise click.UsageError("give both SOURCE and DESTINATION, or a project PATH")
    plan = load_plan(path)
    settings = settings_for_plan(
        plan, Settings.from_env(options.project or path), target=options.target
    )
    if not any(c.source and c.destination for c in plan.data.channels):
        _fail(f"{path}: the plan has no data channels with a source and a destination")
    if options.dry_run:
        return _dry_run_project(plan, settings, options.as_json)
    with RichReporter(quiet=False) as reporter:
        results = _run_in_thread(
            lambda cancel: sync_channels(
                plan,
                settings,
                reporter,
                cancel,
                engine=options.engine,  # type: ignore[arg-type]
                workers=options.workers,
                copy_options=options.copy_options(),
            )
        )
    for result in results:
        _print_result(result)
    checks = check_channels(plan, settings) if all(r.ok for r in results) else []
    for check in checks:
        status = "ok" if check.ok else "NOT OK"
        detail = check.error or (
            f"{check.objects} objects present and proven"
            if check.ok
            else f"{check.missing_count} missing, {check.unproven_count} unproven"
        )
        click.echo(
            f"post-sync check {check.channel}: {status}: {check.destination}: {detail}", err=True
        )
    if options.as_json:
        payload = {
            "channels": [r.to_dict() for r in results],
            "checks": [asdict(c) | {"ok": c.ok} for c in checks],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    ok = all(r.ok for r in results) and all(c.ok for c in checks)
    return 0 if ok else 1


def _plan_json(plan: Any) -> dict[str, Any]:
    return {
        "source": str(plan.source),
        "destination": str(plan.destination),
        "summary": plan.summary(),
    }


@click.group()
def local() -> None:
    """The local target's storage: S3 and GCS buckets as folders under .liftshift/local."""


@local.command("path")
@click.argument("uri", required=False)
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def local_path(uri: str | None, project: Path) -> None:
    """Print the folder holding the local target's buckets (or the file/folder for URI)."""
    settings = _settings(project, "local")
    if not uri:
        click.echo(settings.local_storage_root)
        return
    from liftshift.foundation.storage import BadURI, StorageError, parse_uri
    from liftshift.foundation.storage.local import LocalStore

    try:
        parsed = parse_uri(uri)
        store = LocalStore(settings.local_storage_root, parsed.scheme, parsed.bucket)
        click.echo(store.path(parsed.prefix) if parsed.prefix else store.folder)
    except (BadURI, StorageError) as exc:
        _fail(str(exc))


@local.command("ls")
@click.argument("uri", required=False)
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def local_ls(uri: str | None, project: Path) -> None:
    """List the local target's buckets, or the objects under URI."""
    settings = _settings(project, "local")
    from liftshift.foundation.storage import BadURI, StorageError, open_store, parse_uri
    from liftshift.foundation.storage.local import FOLDERS

    if not uri:
        for scheme, folder in FOLDERS.items():
            base = settings.local_storage_root / folder
            if base.is_dir():
                for bucket in sorted(p.name for p in base.iterdir() if p.is_dir()):
                    click.echo(f"{scheme}://{bucket}/")
        return
    try:
        parsed = parse_uri(uri)
        store = open_store(parsed, settings)
        for info in store.list(parsed.prefix):
            click.echo(f"{info.size:>12}  {store.uri(info.key)}")
    except (BadURI, StorageError) as exc:
        _fail(str(exc))


@local.command("seed")
@click.argument("uri")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def local_seed(uri: str, source: Path, project: Path) -> None:
    """Fill the local target's s3://bucket/prefix (or gs://…) from a folder or file."""
    from liftshift.foundation.storage import BadURI, StorageError
    from liftshift.sync.channels import seed

    settings = _settings(project, "local")
    try:
        seeded = seed(uri, source, settings)
    except (BadURI, StorageError) as exc:
        _fail(str(exc))
    size = human_bytes(seeded.bytes)
    click.echo(f"seeded {seeded.destination}: {seeded.objects} object(s), {size}")
