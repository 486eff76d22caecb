"""``liftshift verify``: run the original and the migrated trainer side by side and compare.

Exit 0 when model files, metrics and predictions match; 1 when they differ or the migration
could not be verified here (the reason is printed, never a pass); 2 when verify cannot start.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from liftshift.commands.trainer_env import trainer_env_option

EXIT_DIFFER = 1
EXIT_USAGE = 2


@click.command("verify")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--original",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The SageMaker project before migration (default: restored from the apply backup).",
)
@click.option(
    "--rtol",
    type=float,
    default=1e-6,
    show_default=True,
    help="Relative tolerance for metrics and predictions.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for both sides.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Show both trainers' logs as they run.")
@trainer_env_option
def verify(  # noqa: PLR0917 (click passes every option positionally)
    path: Path, original: Path | None, rtol: float, seed: int, as_json: bool, verbose: bool
) -> None:
    """Prove the migration: run the original under a local SageMaker runtime and the migrated
    package as a local Vertex job, then compare model files, metrics and predictions."""
    from liftshift.verify import VerifyError, VerifyOptions, verify_project

    options = VerifyOptions(original=original, rtol=rtol, seed=seed)
    try:
        report = verify_project(path, options=options, reporter=_Progress(verbose and not as_json))
    except VerifyError as exc:
        click.echo(f"liftshift verify: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in report.text_lines():
            click.echo(line)
    sys.exit(0 if report.ok else EXIT_DIFFER)


class _Progress:
    """Step lines on stderr; trainer log lines only with --verbose."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose

    def __call__(self, event: Any) -> None:
        from liftshift.trainer.jobs import JobLogLine, StepProgress

        if isinstance(event, StepProgress) and event.step != "original":
            click.echo(f"{event.step}: {event.message}", err=True)
        elif self.verbose and isinstance(event, StepProgress):
            click.echo(f"  original │ {event.message}", err=True)
        elif self.verbose and isinstance(event, JobLogLine):
            click.echo(f"  migrated │ {event.text}", err=True)
