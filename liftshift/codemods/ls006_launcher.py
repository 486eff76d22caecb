"""LS006 launcher: a Vertex AI launcher next to each SageMaker launcher, which keeps working.

For ``launch.py`` it writes ``launch_vertex.py``; for ``launch.ipynb`` a ``launch_vertex.ipynb``.
The new launcher uses ``google-cloud-aiplatform`` directly and reads like the SageMaker one:
build the trainer sdist, upload it to the staging bucket, run a ``CustomJob`` whose worker pool
runs ``python -m trainer.task`` in the prebuilt training container on the mapped machine, with the
hyperparameters and the channels' ``gs://`` URIs as arguments. Values come from the plan; empty
ones (GCP project, staging bucket) get a TODO. ``liftshift train`` runs the same job, locally too.
An existing ``*_vertex`` file is never overwritten. The SageMaker launcher itself changes only
where it names the script LS001 moved: its ``entry_point``/``source_dir`` follow it
(``codemods.launcher_paths``), so both clouds can run during the move.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

from liftshift.codemods.base import TODO_PREFIX, MigrationContext, ProjectTree, Rule
from liftshift.codemods.launcher_paths import follow_moved_entry
from liftshift.foundation.plan import format_hyperparameter
from liftshift.foundation.secrets import env_variable_for, is_secret_value, referenced_variable
from liftshift.foundation.storage.uri import channel_dir_uri

CODE = "LS006"

HEADER = '''"""Run the training job on Vertex AI: the counterpart of {original} (made by liftshift).

It builds the trainer package (setup.py at the project root), uploads it to the staging bucket
and runs `python -m {module}` as a Vertex AI custom job. `liftshift train` runs the same job
(and runs it locally with `--target local`).
"""
'''

BODY = '''{imports}import subprocess
import sys
import tempfile
from pathlib import Path

from google.cloud import aiplatform, storage

{todos}PROJECT = {project}
REGION = {region}
STAGING_BUCKET = {staging}
DISPLAY_NAME = {display}
TRAINING_CONTAINER = {container}
MACHINE_TYPE = {machine}
ACCELERATOR_TYPE = {accelerator}
ACCELERATOR_COUNT = {accelerator_count}
REPLICA_COUNT = {replicas}
PYTHON_MODULE = {module}
# hyperparameters, passed as --key value (-k value for a one-letter key) like SageMaker did
HYPERPARAMETERS = {hyperparameters}
# each data channel: the trainer's flag and the GCS folder it reads
CHANNELS = {channels}
PROJECT_DIR = {project_dir}


def build_package():
    """Build the trainer sdist with the project's setup.py; return its path."""
    out = Path(tempfile.mkdtemp())
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(PROJECT_DIR)],
        check=True,
    )
    return next(out.glob("*.tar.gz"))


def upload(path):
    """Copy the sdist to the staging bucket; return its gs:// URI."""
    bucket_name, _, prefix = STAGING_BUCKET[len("gs://"):].partition("/")
    blob_name = "/".join(part for part in (prefix, DISPLAY_NAME, path.name) if part)
    storage.Client(project=PROJECT).bucket(bucket_name).blob(blob_name).upload_from_filename(
        str(path)
    )
    return f"gs://{{bucket_name}}/{{blob_name}}"


def trainer_args():
    args = []
    for key, value in sorted(HYPERPARAMETERS.items()):
        args += [f"--{{key}}" if len(key) > 1 else f"-{{key}}", value]
    for flag, uri in CHANNELS.items():
        args += [flag, uri]
    return args


def main():
    aiplatform.init(project=PROJECT, location=REGION, staging_bucket=STAGING_BUCKET)
    machine_spec = {{"machine_type": MACHINE_TYPE}}
    if ACCELERATOR_COUNT:
        machine_spec.update(accelerator_type=ACCELERATOR_TYPE, accelerator_count=ACCELERATOR_COUNT)
    package = {{
        "executor_image_uri": TRAINING_CONTAINER,
        "package_uris": [upload(build_package())],
        "python_module": PYTHON_MODULE,
        "args": trainer_args(),
    }}
    # pool 0 is the chief; SageMaker's extra instances become pool 1 workers
    pools = [{{"machine_spec": machine_spec, "replica_count": 1, "python_package_spec": package}}]
    if REPLICA_COUNT > 1:
        pools.append(
            {{"machine_spec": machine_spec, "replica_count": REPLICA_COUNT - 1,
              "python_package_spec": package}}
        )
    job = aiplatform.CustomJob(
        display_name=DISPLAY_NAME,
        worker_pool_specs=pools,
        base_output_dir=f"{{STAGING_BUCKET}}/{{DISPLAY_NAME}}",
    )
    job.run()
    print("model artifacts:", f"{{STAGING_BUCKET}}/{{DISPLAY_NAME}}/model/")
'''


def _settings(ctx: MigrationContext) -> tuple[dict[str, str], list[str]]:
    plan: Any = ctx.plan
    target = getattr(plan, "target", None)
    training = getattr(plan, "training", None)
    todos: list[str] = []
    project = getattr(target, "gcp_project", "") or ""
    staging = getattr(training, "staging_bucket", "") or ""
    if staging and not staging.startswith("gs://"):
        staging = f"gs://{staging}"
    if not project:
        todos.append("set PROJECT to your Google Cloud project (plan: target.gcp_project)")
    if not staging:
        todos.append("set STAGING_BUCKET to a gs:// bucket (plan: training.staging_bucket)")
    container = getattr(training, "training_container", "") or ""
    if not container:
        todos.append("set TRAINING_CONTAINER to a Vertex AI prebuilt training image")
    hyperparameters = dict(getattr(training, "hyperparameters", {}) or ctx.hyperparameters)
    shown: dict[str, str] = {}
    secret = False
    for key, value in sorted(hyperparameters.items()):
        variable = referenced_variable(value)
        if variable is None and is_secret_value(key, value):
            variable = env_variable_for(key)
        if variable is None:
            shown[key] = json.dumps(format_hyperparameter(value))
            continue
        # a secret is never written into code: the launcher reads it when it runs
        shown[key] = f"os.environ[{json.dumps(variable)}]"
        secret = True
        todos.append(
            f"hyperparameter {key!r} is a secret: export {variable} before running (or read it "
            "from Secret Manager); its value is not written here"
        )
    channels = {}
    for channel in ctx.channels:
        # the same folder liftshift's own backends pass (a single-file channel → its folder)
        channels[ctx.channel_flag(channel.name)] = channel_dir_uri(channel.destination)
        if not channel.destination.startswith("gs://"):
            todos.append(f"set the gs:// folder of channel {channel.name!r}")
    machine = getattr(training, "machine_type", "") or "n1-standard-4"
    values = {
        "project": json.dumps(project),
        "region": json.dumps(getattr(target, "region", "") or "us-central1"),
        "staging": json.dumps(staging),
        "display": json.dumps(getattr(training, "display_name", "") or "liftshift-training"),
        "container": json.dumps(container),
        "machine": json.dumps(machine),
        "accelerator": json.dumps(getattr(training, "accelerator_type", "") or ""),
        "accelerator_count": str(getattr(training, "accelerator_count", 0) or 0),
        "replicas": str(getattr(training, "instance_count", 1) or 1),
        "module": json.dumps(ctx.module),
        "hyperparameters": _literal(shown, quoted=True),
        "channels": _literal(channels),
        "imports": "import os\n" if secret else "",
    }
    return values, todos


def _literal(mapping: dict[str, str], *, quoted: bool = False) -> str:
    """A dict display; with ``quoted`` the values are Python expressions already."""
    if not mapping:
        return "{}"
    return (
        "{\n"
        + "".join(
            f"    {json.dumps(k)}: {v if quoted else json.dumps(v)},\n" for k, v in mapping.items()
        )
        + "}"
    )


def launcher_source(ctx: MigrationContext, original: str, project_dir: str) -> str:
    values, todos = _settings(ctx)
    todo_text = "".join(f"{TODO_PREFIX} {CODE}: {todo}\n" for todo in todos)
    body = BODY.format(todos=todo_text, project_dir=project_dir, **values)
    return HEADER.format(original=original, module=ctx.module) + "\n" + body


def vertex_launcher_path(path: str) -> str:
    """``launch.py`` → ``launch_vertex.py`` (same folder, same kind)."""
    stem, ext = posixpath.splitext(path)
    return f"{stem}_vertex{ext}"


def transform_project(tree: ProjectTree, ctx: MigrationContext) -> None:
    follow_moved_entry(tree, ctx)
    for launcher in ctx.launchers:
        if not tree.exists(launcher) or "_vertex" in posixpath.basename(launcher):
            continue
        target = vertex_launcher_path(launcher)
        if tree.exists(target):
            continue
        depth = launcher.count("/")
        name = posixpath.basename(launcher)
        if launcher.endswith(".ipynb"):
            root = json.dumps("/".join([".."] * depth) or ".")
            source = launcher_source(ctx, name, f"Path({root}).resolve()")
            tree.write(target, _notebook(source, name))
        else:
            parents = "parent" if depth == 0 else f"parents[{depth}]"
            source = launcher_source(ctx, name, f"Path(__file__).resolve().{parents}")
            tree.write(target, source + '\n\nif __name__ == "__main__":\n    main()\n')


def _notebook(source: str, original: str) -> str:
    def lines(text: str) -> list[str]:
        return text.splitlines(keepends=True)

    document = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": lines(
                    f"# Train on Vertex AI\n\nThe Vertex AI counterpart of `{original}`, "
                    "generated by liftshift. Review the settings, then run all cells."
                ),
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": lines(source.rstrip("\n")),
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": ["main()"],
            },
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1) + "\n"


RULE = Rule(
    code=CODE,
    name="launcher",
    description="A Vertex AI launcher (google-cloud-aiplatform) next to each SageMaker launcher.",
    docs=__doc__ or "",
    transform_project=transform_project,
)
