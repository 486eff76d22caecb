"""``liftshift tui [PATH]``: open the interactive app (also what bare ``liftshift`` does)."""

from __future__ import annotations

from pathlib import Path

import click

SCREENS = ("project", "changes", "data", "train", "monitor", "model")


@click.command()
@click.argument(
    "path",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--screen",
    type=click.Choice(SCREENS),
    default="project",
    show_default=True,
    help="Open this step directly.",
)
def tui(path: Path, screen: str) -> None:
    """Open the interactive app on PATH (default: the current folder)."""
    from liftshift.tui.app import make_app

    make_app(path, start=screen).run()
