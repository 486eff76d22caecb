"""``liftshift scan`` and ``liftshift plan``: the scanner and the planner for people and CI.

Exit codes: 0 done; 1 no SageMaker project in the folder, or a past job / plan that cannot be
read; 2 bad path or usage (click's own). ``--json`` prints the documented schema
(``docs/scan-json.md``) on stdout and nothing else there.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from liftshift.scan.project import Location, ProjectScan, Severity, Unresolved

PATH_ARGUMENT = click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)


@click.command()
@click.argument("path", type=PATH_ARGUMENT, default=".")
@click.option("--json", "as_json", is_flag=True, help="Print the scan as JSON (stable schema).")
@click.option(
    "--from-job",
    "job_names",
    multiple=True,
    metavar="NAME",
    help="Also read a SageMaker training job that already ran (DescribeTrainingJob).",
)
def scan(path: Path, as_json: bool, job_names: tuple[str, ...]) -> None:
    """Report what in the project at PATH is SageMaker-specific (static: runs no user code)."""
    result = _scan(path, job_names, quiet=as_json)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        render(result)
    if not result.is_sagemaker_project:
        _no_project(path)


@click.command()
@click.argument("path", type=PATH_ARGUMENT, default=".")
@click.option(
    "--from-job",
    "job_names",
    multiple=True,
    metavar="NAME",
    help="Use a SageMaker training job that already ran (when the launcher is lost).",
)
@click.option(
    "--entry-point",
    "entry_point",
    metavar="FILE",
    help="The training script (relative to PATH); needed when no script reads SM_* variables.",
)
def plan(path: Path, job_names: tuple[str, ...], entry_point: str | None) -> None:
    """Write liftshift.toml, the migration plan, at PATH (keeps your edits on a rerun)."""
    from liftshift.foundation.plan import PlanError, load_plan, plan_path, save_plan
    from liftshift.migrator.planner import propose

    if entry_point is not None:
        entry_point = _named_entry_point(path.resolve(), entry_point)
    result = _scan(path, job_names, quiet=False, entry_point=entry_point)
    root = Path(result.root)
    if entry_point is None and not result.is_sagemaker_project:
        _no_project(path)
    existing = None
    if plan_path(root).exists():
        try:
            existing = load_plan(root)
        except PlanError as exc:
            raise click.ClickException(f"{exc} (fix or delete it; nothing was written)") from exc
    proposal = propose(result, existing=existing, entry_point=entry_point)
    written = save_plan(proposal.plan, root, keep_existing=True)
    render_plan_summary(written, proposal, updated=existing is not None)


def _scan(
    path: Path, job_names: tuple[str, ...], *, quiet: bool, entry_point: str | None = None
) -> ProjectScan:
    from liftshift.scan import ScanError, merge_past_job, read_past_job, scan_project
    from liftshift.scan.past_jobs import PastJobError

    try:
        with _progress(quiet) as reporter:
            result = scan_project(path, reporter=reporter, entry_point=entry_point)
    except ScanError as exc:
        click.echo(f"liftshift: {exc}", err=True)
        sys.exit(2)
    if job_names:
        from liftshift.foundation.settings import Settings

        settings = Settings.from_env(project_dir=path)
        for name in job_names:
            try:
                merge_past_job(result, read_past_job(settings, name))
            except PastJobError as exc:
                raise click.ClickException(str(exc)) from exc
    return result


def _no_project(path: Path) -> None:
    click.echo(
        f"liftshift: no SageMaker project in {path}: no estimator launcher, no script reading "
        "SM_* variables or /opt/ml paths; if it is a trainer all the same, name its script "
        f"with `liftshift plan {path} --entry-point FILE` and liftshift packages it (LS001)",
        err=True,
    )
    sys.exit(1)


def _named_entry_point(root: Path, entry_point: str) -> str:
    """``--entry-point`` as a project-relative POSIX path; a usage error if it is no script."""
    candidate = Path(entry_point)
    target = candidate if candidate.is_absolute() else root / candidate
    try:
        relative = target.resolve().relative_to(root).as_posix()
    except ValueError:
        message = f"{entry_point} is not inside {root}"
        raise click.BadParameter(message, param_hint="--entry-point") from None
    if not target.is_file() or not relative.endswith(".py"):
        raise click.BadParameter(
            f"{relative} is not a Python file in {root}", param_hint="--entry-point"
        )
    return relative


class _progress:
    """A transient rich progress bar on stderr while the scan runs (only on a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda event: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task("scan", total=None)
        return self._report

    def _report(self, event: Any) -> None:
        self.progress.update(self.task, completed=event.done, total=event.total or None)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def render(result: ProjectScan) -> None:
    """The human report: one table per kind of fact, findings by severity."""
    from rich.table import Table

    from liftshift.commands.output import make_console

    console = make_console()
    console.print(f"[bold]liftshift scan[/] {result.root}  ({result.files_scanned} files)")
    if result.launchers:
        table = Table(title="Launchers", title_justify="left")
        for column in ("where", "estimator", "entry point", "framework", "instance", "channels"):
            table.add_column(column)
        for launcher in result.launchers:
            cell = f" cell {launcher.notebook_cell}" if launcher.notebook_cell is not None else ""
            framework = " ".join(
                show(part)
                for part in (launcher.framework, launcher.framework_version)
                if part is not None
            )
            table.add_row(
                where(launcher.location) + cell,
                launcher.estimator.rsplit(".", 1)[-1] + f" (SDK v{launcher.sdk_version})",
                show(launcher.entry_point),
                framework or "-",
                f"{show(launcher.instance_type)} x {show(launcher.instance_count)}",
                ", ".join(channel.name for channel in launcher.channels) or "-",
            )
        console.print(table)
        _channels_table(console, result)
        _hyperparameters_table(console, result)
    _roles_table(console, result)
    if result.past_jobs:
        table = Table(title="Past training jobs", title_justify="left")
        for column in ("job", "status", "instance", "channels", "hyperparameters"):
            table.add_column(column)
        for job in result.past_jobs:
            table.add_row(
                job.name,
                show(job.status),
                f"{show(job.instance_type)} x {show(job.instance_count)}",
                ", ".join(f"{c.name}={show(c.uri)}" for c in job.channels) or "-",
                ", ".join(f"{k}={v!r}" for k, v in job.hyperparameters.items()) or "-",
            )
        console.print(table)
    if result.entry_points:
        table = Table(title="Entry points", title_justify="left")
        for column in ("script", "SM_* reads", "/opt/ml", "model saves", "data reads", "handlers"):
            table.add_column(column)
        for entry in result.entry_points:
            reads = sorted({f"{read.name} ({read.style})" for read in entry.env_reads})
            table.add_row(
                entry.path,
                "\n".join(reads) or "-",
                str(len(entry.opt_ml_paths)),
                "\n".join(ref.kind for ref in entry.model_saves) or "-",
                "\n".join(sorted({ref.kind for ref in entry.data_reads})) or "-",
                ", ".join(ref.kind for ref in entry.inference_handlers) or "-",
            )
        console.print(table)
        _entry_choice(console, result)
    _findings_table(console, result)
    if not result.is_sagemaker_project:
        console.print("Nothing SageMaker-specific found.")


def _entry_choice(console: Any, result: ProjectScan) -> None:
    """Which script the plan will package, and the evidence for it."""
    from rich.text import Text

    from liftshift.scan.entry_choice import choose_entry_point

    choice = choose_entry_point(result)
    if choice.entry is not None:
        console.print(Text(f"Training entry point: {choice.reason}"))


def _channels_table(console: Any, result: ProjectScan) -> None:
    from rich.table import Table

    rows = [
        (channel.name, show(channel.uri), channel.input_mode or "-", where(launcher.location))
        for launcher in result.launchers
        for channel in launcher.channels
    ]
    if not rows:
        return
    table = Table(title="Channels", title_justify="left")
    for column in ("channel", "source", "input mode", "launcher"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


ROLE_KINDS = {
    "arn": "role ARN",
    "name": "role name (SageMaker expands it to an ARN in the launching account)",
    "execution-role": "known only at run time: use --from-job or set iam.source_role",
    "unresolved": "not static: set iam.source_role",
}


def _roles_table(console: Any, result: ProjectScan) -> None:
    """The execution role each launcher (and past job) runs as: what `liftshift iam` maps."""
    from rich.table import Table

    rows = [
        (where(launcher.location), show(launcher.role), ROLE_KINDS[launcher.role_kind])
        for launcher in result.launchers
        if launcher.role_kind is not None
    ]
    rows += [
        (f"sagemaker-job:{job.name}", job.role, "RoleArn of the training job")
        for job in result.past_jobs
        if job.role
    ]
    if not rows:
        return
    table = Table(title="Execution roles", title_justify="left")
    for column in ("where", "role", "what it is"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _hyperparameters_table(console: Any, result: ProjectScan) -> None:
    from rich.table import Table

    rows = [
        (key, show(value), where(launcher.location))
        for launcher in result.launchers
        for key, value in launcher.hyperparameters.items()
    ]
    if not rows:
        return
    table = Table(title="Hyperparameters", title_justify="left")
    for column in ("name", "value", "launcher"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _findings_table(console: Any, result: ProjectScan) -> None:
    from rich.table import Table
    from rich.text import Text

    counts = {severity: 0 for severity in Severity}
    for finding in result.findings:
        counts[finding.severity] += 1
    summary = ", ".join(f"{counts[s]} {s.value}" for s in Severity)
    if not result.findings:
        console.print("Findings: none")
        return
    table = Table(title=f"Findings ({summary})", title_justify="left")
    for column in ("severity", "where", "code", "message"):
        table.add_column(column)
    for finding in result.findings:
        table.add_row(
            Text(finding.severity.value, style=SEVERITY_STYLE[finding.severity]),
            where(finding.location),
            finding.code,
            Text(finding.message),
        )
    console.print(table)


def render_plan_summary(path: Path, proposal: Any, *, updated: bool) -> None:
    """What was written, in a few lines, and what the user should check."""
    plan = proposal.plan
    training = plan.training
    lines = [
        f"{'Updated' if updated else 'Wrote'} {path}" + (" (your edits kept)" if updated else ""),
        f"  entry point   {plan.code.entry_point or '-'}  (module {plan.code.module})",
        f"  framework     {training.framework or '-'} {training.framework_version}".rstrip(),
        f"  machine       {training.sagemaker_instance_type or '-'} -> "
        + (
            f"{training.machine_type}"
            + (
                f" + {training.accelerator_count} x {training.accelerator_type}"
                if training.accelerator_count
                else ""
            )
            if training.machine_type
            else f"scale tier {training.scale_tier}"
        ),
        f"  container     {training.training_container or '-'}",
    ]
    for channel in plan.data.channels:
        lines.append(
            f"  channel       {channel.name}: {channel.source or '?'} -> "
            f"{channel.destination or '?'}  ({channel.argument or 'no flag'})"
        )
    for note in proposal.notes:
        lines.append(f"  note: {note}")
    click.echo("\n".join(lines))


def show(value: Any) -> str:
    """A value as the report shows it: unresolved expressions in angle brackets."""
    if isinstance(value, Unresolved):
        return f"<not static: {value.source}>"
    if value is None:
        return "-"
    return str(value)


def where(location: Location) -> str:
    return str(location)


SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
