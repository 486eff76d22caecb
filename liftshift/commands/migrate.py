"""``liftshift migrate`` and ``liftshift undo``: the codemods from the command line.

Output follows black/ruff: the patch goes to stdout (pipe it to ``git apply``) and the report to
stderr; ``--check`` exits 1 when changes are pending; exit 2 for usage or internal errors; a
partial failure (a file that could not be migrated) never exits 0.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from liftshift.codemods.registry import RULES, UnknownRuleError
from liftshift.foundation.plan import PlanError
from liftshift.migrator.apply import ApplyError, apply_changeset, undo_last, write_copy
from liftshift.migrator.changes import ChangeError
from liftshift.migrator.migrate import (
    FileMigrated,
    MigrateError,
    MigrationResult,
    migrate_project,
)


def _codes(value: str | None) -> list[str]:
    return [code for code in (value or "").split(",") if code.strip()]


def _list_rules() -> None:
    for rule in RULES:
        click.echo(f"{rule.code} {rule.name}: {rule.description}")


class Progress:
    """Progress lines on stderr for big trees: nothing for a run that finishes within
    :attr:`QUIET_SECONDS` (every small project), then at most one line a second."""

    QUIET_SECONDS = 1.0

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = self.started

    def __call__(self, event: object) -> None:
        if not isinstance(event, FileMigrated):
            return
        now = time.monotonic()
        if now - self.started < self.QUIET_SECONDS or now - self.last < 1.0:
            return
        self.last = now
        click.echo(f"migrating: {event.index}/{event.total} files ({event.path})", err=True)


def _report(result: MigrationResult, *, err: bool) -> None:
    for line in result.report_lines():
        click.echo(line, err=err)


@click.command("migrate")
@click.argument(
    "path", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False
)
@click.option("--check", is_flag=True, help="Exit 1 when changes are pending; write nothing.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the patch (the default).")
@click.option("--apply", "do_apply", is_flag=True, help="Write the changes (with a backup).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a migrated copy of the project to DIR; the source is left alone.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--rules", "only", metavar="CODES", help="Only these rules, e.g. LS001,LS002.")
@click.option("--skip", metavar="CODES", help="Skip these rules.")
@click.option("--force", is_flag=True, help="Apply even with uncommitted changes in git.")
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option(
    "--entry-point",
    "entry_point",
    metavar="FILE",
    help="The training script (relative to PATH) when there is no liftshift.toml yet; "
    "needed when no script reads SM_* variables.",
)
def migrate(  # noqa: PLR0917 (one parameter per click option)
    path: Path | None,
    check: bool,
    show_diff: bool,
    do_apply: bool,
    out: Path | None,
    as_json: bool,
    only: str | None,
    skip: str | None,
    force: bool,
    list_rules: bool,
    entry_point: str | None,
) -> None:
    """Show or apply the code changes that make PATH a Vertex AI trainer package."""
    if list_rules:
        _list_rules()
        return
    if path is None:
        raise click.UsageError("missing argument PATH")
    if sum([check, do_apply, out is not None]) > 1:
        raise click.UsageError("choose one of --check, --apply and --out")
    try:
        result = migrate_project(
            path,
            rules=_codes(only),
            skip=_codes(skip),
            entry_point=_relative(path, entry_point),
            reporter=Progress(),
        )
    except UnknownRuleError as exc:
        raise click.UsageError(str(exc)) from exc
    except (PlanError, MigrateError) as exc:
        click.echo(f"liftshift: {exc}", err=True)
        sys.exit(2)
    failed = bool(result.errors)
    pending = bool(result.changeset)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    try:
        if do_apply and pending:
            record = apply_changeset(result.changeset, result.root, force=force)
            if not as_json:
                for change in result.changeset.effective():
                    source = f"{change.old_path} -> " if change.old_path else ""
                    click.echo(f"{change.kind}: {source}{change.path}")
                click.echo(f"backup: {record.backup_dir}")
        elif out is not None:
            write_copy(result.changeset, result.root, out)
            if not as_json:
                click.echo(f"migrated copy written to {out}")
    except (ApplyError, ChangeError) as exc:
        click.echo(f"liftshift: {exc}", err=True)
        sys.exit(1)
    if not as_json:
        quiet_diff = check or do_apply or out is not None
        if show_diff or not quiet_diff:
            sys.stdout.write(result.changeset.diff())
            sys.stdout.flush()
        _report(result, err=not quiet_diff)
    if failed or (check and pending):
        sys.exit(1)


def _relative(root: Path, entry_point: str | None) -> str | None:
    """``--entry-point`` as a project-relative POSIX path; a usage error if it is no script."""
    if entry_point is None:
        return None
    target = Path(entry_point)
    target = (target if target.is_absolute() else root / target).resolve()
    if not target.is_file() or target.suffix != ".py" or not target.is_relative_to(root.resolve()):
        raise click.BadParameter(
            f"{entry_point} is not a Python file in {root}", param_hint="--entry-point"
        )
    return target.relative_to(root.resolve()).as_posix()


@click.command("undo")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even files edited since the apply.")
def undo(path: Path, force: bool) -> None:
    """Restore the files of the last ``migrate --apply`` in PATH, byte for byte."""
    try:
        record = undo_last(path, force=force)
    except ApplyError as exc:
        click.echo(f"liftshift: {exc}", err=True)
        sys.exit(1)
    if record.interrupted:
        click.echo(
            f"the apply of {record.backup_dir.name} was interrupted before it finished; "
            "restoring every file it had started on"
        )
    for entry in record.entries:
        click.echo(f"{'restored' if entry.existed else 'removed'}: {entry.path}")
    click.echo(f"undone from {record.backup_dir}")
