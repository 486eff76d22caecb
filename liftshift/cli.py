"""The ``liftshift`` command: the same core calls as the app, for scripts and CI.

Subcommands live in ``liftshift.commands.<module>`` and are imported only when invoked, so
``liftshift --help`` and the app's start-up never pay for SDK imports. Exit codes follow
black/ruff: 0 success, 1 "something to do / something failed", 2 usage or internal error.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from liftshift import __version__

# name -> (module, attribute, one-line help shown by `liftshift --help` without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": ("liftshift.commands.scan", "scan", "Report what in a project is SageMaker-specific."),
    "plan": ("liftshift.commands.scan", "plan", "Write liftshift.toml, the migration plan."),
    "migrate": ("liftshift.commands.migrate", "migrate", "Show or apply the code changes."),
    "undo": ("liftshift.commands.migrate", "undo", "Restore the files of the last --apply."),
    "sync": ("liftshift.commands.sync", "sync", "Copy S3 data to GCS, verified and resumable."),
    "local": ("liftshift.commands.sync", "local", "Manage the local target's storage."),
    "iam": ("liftshift.commands.iam", "iam", "Map the SageMaker role to a service account."),
    "train": ("liftshift.commands.train", "train", "Package the trainer and run a training job."),
    "jobs": ("liftshift.commands.train", "jobs", "List, follow or cancel training jobs."),
    "models": ("liftshift.commands.train", "models", "List models and their versions."),
    "tiers": ("liftshift.commands.train", "tiers", "Show scale tiers and instance-type mapping."),
    "verify": (
        "liftshift.commands.verify",
        "verify",
        "Run the original and the migrated trainer side by side and compare.",
    ),
    "run": ("liftshift.commands.run", "run", "The whole migration: plan, migrate, sync, train."),
    "demo": ("liftshift.commands.run", "demo", "Try liftshift on an example project."),
    "tui": ("liftshift.commands.tui", "tui", "Open the interactive app."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command), module_name
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(name: str) -> bool:
    return importlib.util.find_spec(COMMANDS[name][0]) is not None


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="liftshift")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Move AWS SageMaker script-mode training projects to Google Cloud Vertex AI.

    Without a command, opens the interactive app on the current folder.
    """
    if ctx.invoked_subcommand is None:
        tui = cli.get_command(ctx, "tui")
        if tui is None:
            click.echo(ctx.get_help())
            return
        ctx.invoke(tui)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: unexpected exceptions become one clear line and exit code 2."""
    from liftshift.foundation.settings import SettingsError

    try:
        return cli.main(args=argv, prog_name="liftshift", standalone_mode=True)
    except (KeyboardInterrupt, SystemExit):
        raise
    except SettingsError as exc:  # e.g. a bad LIFTSHIFT_POLL_INTERVAL: the user's to fix
        click.echo(f"liftshift: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug or an environment problem: say it, exit 2
        click.echo(f"liftshift: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Run with LIFTSHIFT_DEBUG=1 for the traceback.", err=True)
        if _debug():
            raise
        sys.exit(2)


def _debug() -> bool:
    import os

    return os.environ.get("LIFTSHIFT_DEBUG") == "1"


if __name__ == "__main__":
    main()
