"""``liftshift run``: the whole migration, resumable; ``liftshift demo``: try it on an example."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from liftshift.commands.trainer_env import trainer_env_option
from liftshift.foundation.settings import TARGETS

EXIT_FAILED = 1
EXIT_USAGE = 2


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--target", type=click.Choice(TARGETS), help="Override the plan's target.")
@click.option("--yes", "-y", is_flag=True, help="Apply the code changes without asking.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the migrated project here and run the later steps there (source untouched).",
)
@click.option("--force", is_flag=True, help="Apply over uncommitted changes in a git tree.")
@click.option("--no-register", is_flag=True, help="Train, but create no model version.")
@click.option(
    "--deploy", is_flag=True, help="Deploy the new version and predict sample_instances.json."
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="Skip running the original beside the migrated trainer after training (local).",
)
@click.option("--dry-run", is_flag=True, help="Print every request a real run would send.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--poll-interval", type=float, metavar="SECONDS",
              help="Longest wait between two checks of the training job.")  # fmt: skip
@trainer_env_option
def run(  # noqa: PLR0917 (click passes every option positionally)
    path: Path,
    target: str | None,
    yes: bool,
    out: Path | None,
    force: bool,
    no_register: bool,
    deploy: bool,
    no_verify: bool,
    dry_run: bool,
    as_json: bool,
    poll_interval: float | None,
) -> None:
    """Plan, migrate, sync, train and register in one go.

    Rerunning continues from the step that did not finish: applied changes are not reapplied,
    verified data is not recopied, a running job is reattached and a succeeded one not rerun.
    """
    from liftshift.foundation.settings import Settings, SettingsError, parse_seconds
    from liftshift.run.pipeline import RunOptions

    options = RunOptions(
        target=target,  # type: ignore[arg-type]
        out=out,
        force=force,
        register=not no_register,
        deploy=deploy,
        verify=False if no_verify else None,
    )
    settings = Settings.from_env(path)
    if poll_interval is not None:
        try:
            seconds = parse_seconds(poll_interval, "--poll-interval")
        except SettingsError as exc:
            raise click.BadParameter(str(exc)) from exc
        settings = dataclasses.replace(settings, poll_interval=seconds)
    if dry_run:
        _print_dry_run(path, settings, options, as_json)
        return
    if not (yes or out) and not _confirm_apply(path):
        raise click.Abort()
    summary = run_pipeline(path, settings, options, quiet=as_json)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
    sys.exit(0 if summary.ok else EXIT_FAILED)


def run_pipeline(path: Path, settings: Any, options: Any, *, quiet: bool = False) -> Any:
    """Run the pipeline in a worker thread so Ctrl-C can stop it cleanly between steps."""
    from liftshift.commands.background import run_cancellable
    from liftshift.commands.output import make_console
    from liftshift.run.pipeline import Pipeline

    console = make_console(stderr=quiet)
    renderer = _Renderer(console)
    with console.status("") as status:
        summary = run_cancellable(
            lambda cancel: Pipeline(
                path, settings, options, reporter=renderer, cancel=cancel
            ).run(),
            lambda: console.print(
                "\n[yellow]stopping…[/] (a running job keeps running; rerun to reattach)"
            ),
            name="liftshift-run",
            on_tick=lambda: status.update(renderer.status_text()),
        )
    _print_summary(console, summary)
    return summary


def _confirm_apply(path: Path) -> bool:
    if not sys.stdin.isatty():
        raise click.UsageError("liftshift run changes files: pass --yes (or --out DIR)")
    return click.confirm(
        f"liftshift run will rewrite the code in {path} (with a backup; `liftshift undo` "
        "restores it). Go on?",
        default=True,
    )


class _Renderer:
    """Turns the core's events into lines on the console (called from the worker thread)."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.step = ""
        self.job_state = ""
        self.checked_at = 0.0

    def status_text(self) -> str:
        """The transient line under the output: the step, and while a job runs its state and
        how long ago it was last checked (so a queued job never looks frozen)."""
        from liftshift.trainer.monitor import checked_text

        if self.step == "train" and self.job_state:
            return f"train: {self.job_state}  ·  {checked_text(self.checked_at)}"
        return f"{self.step}…" if self.step else ""

    def __call__(self, event: Any) -> None:
        from rich.markup import escape
        from rich.text import Text

        from liftshift.run.pipeline import StepFinished, StepStarted
        from liftshift.sync.channels import Seeded
        from liftshift.trainer.jobs import JobChecked, JobLogLine, JobStateChanged, StepProgress

        c = self.console
        if isinstance(event, JobChecked):
            self.job_state, self.checked_at = event.state.short, event.checked_at
        elif isinstance(event, StepStarted):
            self.step = event.step
            c.print(f"[bold cyan]▶ {event.step}[/]")
        elif isinstance(event, StepFinished):
            style = {"failed": "red", "cancelled": "yellow"}.get(event.outcome, "green")
            c.print(f"  [{style}]{event.outcome}[/]: {escape(event.summary)}", highlight=False)
            for line in event.details:
                c.print(Text(f"    {line}"), soft_wrap=True)
        elif isinstance(event, Seeded):
            c.print(f"  seeded {escape(event.destination)} with {event.objects} sample object(s)")
        elif isinstance(event, StepProgress):
            c.print(f"  [dim]{event.step}:[/] {escape(event.message)}", highlight=False)
        elif isinstance(event, JobStateChanged):
            c.print(f"  [bold]state:[/] {event.state.short}", highlight=False)
        elif isinstance(event, JobLogLine):
            c.print(Text("  │ ", style="dim") + Text(event.text), soft_wrap=True)


def _print_summary(console: Any, summary: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"liftshift run — {summary.project_dir} ({summary.target})")
    table.add_column("step")
    table.add_column("outcome")
    table.add_column("what happened", overflow="fold")
    for step in summary.steps:
        table.add_row(step.step, step.outcome, escape(step.summary))
    console.print(table)
    if summary.attention:
        console.print(f"[yellow]{len(summary.attention)} item(s) need attention:[/]")
        for line in summary.attention:
            console.print(f"  {escape(line)}", highlight=False)
    failed = summary.failed_step
    if failed is not None:
        console.print(f"[red]Stopped at {failed.step}[/]: rerun `liftshift run` to continue.")


def _print_dry_run(path: Path, settings: Any, options: Any, as_json: bool) -> None:
    from liftshift.foundation.plan import PlanError
    from liftshift.iam.gcp import IamApplyError
    from liftshift.iam.mapping import IamMappingError
    from liftshift.run.dry_run import dry_run
    from liftshift.run.pipeline import StepError
    from liftshift.trainer.jobs import JobSpecError

    try:
        requests = dry_run(path, settings, options)
    except (PlanError, StepError, JobSpecError, IamMappingError, IamApplyError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(requests, indent=2))
        return
    from rich.markup import escape

    from liftshift.commands.output import make_console, print_json_block

    console = make_console()
    console.print(f"[bold]Dry run[/] ({requests['target']} target): nothing is sent or written.")
    console.print(f"plan: {escape(str(requests['plan']))}")
    console.print(f"migrate: {escape(requests['migrate']['summary'])}")
    for name in ("sync", "iam", "package_upload", "create_custom_job", "upload_model"):
        console.print(f"[bold]{name}[/]")
        print_json_block(console, json.dumps(requests[name], indent=2))
    for note in requests["notes"]:
        console.print(f"note: {escape(note)}")


@click.command()
@click.option(
    "--example",
    default=None,
    help="Which example project (default: titanic-sklearn).",
)
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Work folder for the copy. Default: ./liftshift-demo, or ~/liftshift-demo when the "
    "current folder is inside a git work tree (where the copy would show as untracked files).",
)
@click.option("--no-tui", is_flag=True, help="Run the whole migration and print the summary.")
@trainer_env_option
def demo(example: str | None, workdir: Path | None, no_tui: bool) -> None:
    """Copy an example SageMaker project to a work folder and migrate it on the local target.

    Opens the app on the copy; with --no-tui, runs `liftshift run` instead. Rerunning continues
    the same demo.
    """
    from liftshift.foundation.examples import DEFAULT_EXAMPLE, example_path
    from liftshift.foundation.settings import Settings
    from liftshift.run.pipeline import RunOptions

    name = example or DEFAULT_EXAMPLE
    try:
        source = example_path(name)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    if workdir is None:
        workdir = default_demo_dir(Path.cwd())
    project = (workdir / name).resolve()
    if project.exists() and any(project.iterdir()):
        if not (project / ".git").is_dir():
            raise click.UsageError(f"{project} exists and is not a liftshift demo; pick --dir")
        click.echo(f"continuing the demo in {project}")
    else:
        _copy_example(source, project)
        click.echo(f"copied the {name} example to {project} (a git repository)")
    settings = Settings.from_env(project).with_target("local")
    if not no_tui:
        from liftshift.tui.app import make_app

        make_app(project).run()
        return
    summary = run_pipeline(project, settings, RunOptions(target="local"))
    sys.exit(0 if summary.ok else EXIT_FAILED)


DEMO_DIRNAME = "liftshift-demo"


def default_demo_dir(cwd: Path) -> Path:
    """``./liftshift-demo``, unless ``cwd`` is inside a git work tree (say, a liftshift
    checkout): then ``~/liftshift-demo``, said out loud, so the copy never lands unnoticed among
    that repository's untracked files."""
    enclosing = git_work_tree(cwd)
    if enclosing is None:
        return Path(DEMO_DIRNAME)
    home = Path.home() / DEMO_DIRNAME
    click.echo(
        f"{cwd.resolve()} is inside the git work tree {enclosing}: the demo goes to {home} "
        "instead (choose another folder with --dir)"
    )
    return home


def git_work_tree(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder`` (a ``.git`` folder or file), if any."""
    for candidate in (folder.resolve(), *folder.resolve().parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _copy_example(source: Path, project: Path) -> None:
    """Copy the example and commit it, as a user's project would be: the migration then runs
    on a clean git tree and `git diff` shows exactly what liftshift changed."""
    shutil.copytree(
        source, project, ignore=shutil.ignore_patterns(".liftshift", "__pycache__", "*.pyc")
    )
    git = shutil.which("git")
    if git is None:
        return
    identity = ["-c", "user.name=liftshift demo", "-c", "user.email=demo@liftshift.invalid"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "SageMaker project"]):
        subprocess.run([git, *identity, *args], cwd=project, check=True, capture_output=True)
