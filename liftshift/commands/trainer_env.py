"""``--trainer-env``: which libraries a local trainer sees, for the commands that train.

The choice lives in ``LIFTSHIFT_TRAINER_ENV`` (read by the trainer layer, and inherited by the
background supervisor a command starts), so the flag only sets that variable for this process.
"""

from __future__ import annotations

import os

import click

VARIABLE = "LIFTSHIFT_TRAINER_ENV"  # liftshift.trainer.localenv.ENV_MODE_VARIABLE (not imported:
# the CLI loads no trainer module before it needs one)


def _set(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        os.environ[VARIABLE] = value


trainer_env_option = click.option(
    "--trainer-env",
    type=click.Choice(["isolated", "inherit"]),
    default=None,
    expose_value=False,
    callback=_set,
    help="Local target: 'isolated' (default) installs only what the trainer declares, the "
    "framework at the container's version, cached in .liftshift/; 'inherit' reuses "
    f"liftshift's own libraries (fast). Default: ${VARIABLE}, else isolated.",
)
