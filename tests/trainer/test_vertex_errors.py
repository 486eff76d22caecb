"""What a user sees when Vertex AI answers with an error, on gRPC (what users get) and REST:
one line with the fix, never a traceback, and the same line on both transports (gRPC and REST
raise different exception classes and REST prefixes the URL; liftshift evens that out).
Idempotent reads answered UNAVAILABLE are retried; a create never is."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.clients import gcs_client
from liftshift.foundation.settings import Settings
from tests.fakes.vertex import FakeVertex
from tests.trainer.test_vertex import _cli_env

ROLES = "check the account's roles: Vertex AI User, Storage Object Admin"


def _env(settings: Settings, fake: FakeVertex) -> dict[str, str]:
    return {
        **_cli_env(settings, fake),
        "LIFTSHIFT_API_RETRY_WAIT": "0.01",
        "LIFTSHIFT_POLL_INTERVAL": "0.01",
    }


def _error_line(output: str) -> str:
    """The one ``liftshift:`` line, after checking it is alone and no traceback came."""
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.startswith("liftshift:")]
    assert len(lines) == 1, output
    return lines[0].removeprefix("liftshift: ")


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (
            "PERMISSION_DENIED",
            "Permission 'aiplatform.customJobs.create' denied",
            "Vertex AI refused the request: Permission 'aiplatform.customJobs.create' denied "
            f"({ROLES})",
        ),
        (
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for custom_model_training_cpus",
            "Vertex AI refused the request: Quota exceeded for custom_model_training_cpus "
            "(quota exceeded: request more in the console, wait, or use a smaller machine)",
        ),
        (
            "DEADLINE_EXCEEDED",
            "Deadline exceeded",
            "Vertex AI did not answer in time: Deadline exceeded (try again; a create that "
            "timed out may still have happened: check `liftshift jobs list --target gcp`)",
        ),
        (
            "UNAVAILABLE",
            "The service is currently unavailable.",
            "Vertex AI is unavailable: The service is currently unavailable. (try again in a "
            "few minutes; https://status.cloud.google.com)",
        ),
    ],
    ids=lambda value: value if value.isupper() else "",
)
def test_create_errors_are_one_line_exit_1(  # noqa: PLR0917 (fixtures + parameters)
    vertex_settings: Settings,
    fake_vertex: FakeVertex,
    toy_project: Path,
    status: str,
    message: str,
    expected: str,
) -> None:
    fake_vertex.fail_next("create_custom_job", status, message)
    result = CliRunner().invoke(
        cli,
        ["train", str(toy_project), "--target", "gcp", "--detach"],
        env=_env(vertex_settings, fake_vertex),
    )
    assert result.exit_code == 1, result.output
    assert _error_line(result.output) == expected
    assert len(fake_vertex.calls("create_custom_job")) == 1, "a create is never retried"


def test_unknown_job_is_not_found(vertex_settings: Settings, fake_vertex: FakeVertex) -> None:
    result = CliRunner().invoke(
        cli, ["jobs", "status", "4242", "--target", "gcp"], env=_env(vertex_settings, fake_vertex)
    )
    assert result.exit_code == 1, result.output
    assert _error_line(result.output) == (
        "Vertex AI refused the request: job not found "
        "(check the id or name and the region (--region, GOOGLE_CLOUD_REGION))"
    )


def _submitted_job(settings: Settings, fake: FakeVertex, project: Path) -> str:
    result = CliRunner().invoke(
        cli, ["train", str(project), "--target", "gcp", "--detach"], env=_env(settings, fake)
    )
    assert result.exit_code == 0, result.output
    (job,) = fake.jobs
    return job


def test_unavailable_reads_are_retried_then_succeed(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    """liftshift retries lists and cancels (the SDK retries its own GETs)."""
    job_id = _submitted_job(vertex_settings, fake_vertex, toy_project)
    fake_vertex.fail_next("list_custom_jobs", "UNAVAILABLE", "try later", times=2)
    result = CliRunner().invoke(
        cli, ["jobs", "list", "--target", "gcp", "--json"], env=_env(vertex_settings, fake_vertex)
    )
    assert result.exit_code == 0, result.output
    assert job_id in result.output
    assert len(fake_vertex.calls("list_custom_jobs")) == 3, "two UNAVAILABLE, then the answer"


def test_unavailable_after_every_retry_says_so(
    vertex_settings: Settings, fake_vertex: FakeVertex
) -> None:
    fake_vertex.fail_next("list_custom_jobs", "UNAVAILABLE", "try later", times=10)
    result = CliRunner().invoke(
        cli, ["jobs", "list", "--target", "gcp"], env=_env(vertex_settings, fake_vertex)
    )
    assert result.exit_code == 1, result.output
    assert _error_line(result.output) == (
        "Vertex AI is unavailable: try later (tried 4 times; try again in a few minutes; "
        "https://status.cloud.google.com)"
    )


def test_upload_operation_ending_in_error(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    """The job succeeds, the model upload's long-running operation ends in an error."""

    def write_model(job: dict[str, Any]) -> None:
        base = job["jobSpec"]["baseOutputDirectory"]["outputUriPrefix"]
        bucket, _, prefix = base.removeprefix("gs://").partition("/")
        blob = gcs_client(vertex_settings).bucket(bucket).blob(f"{prefix}/model/model.joblib")
        blob.upload_from_string(b"model")

    fake_vertex.on_job_succeeded = write_model
    fake_vertex.fail_operation(
        "upload_model", "INVALID_ARGUMENT", "Model artifact directory is empty"
    )
    fake_vertex.add_log("0", "unrelated", time.time())
    result = CliRunner().invoke(
        cli, ["train", str(toy_project), "--target", "gcp"], env=_env(vertex_settings, fake_vertex)
    )
    assert result.exit_code == 1, result.output
    line = _error_line(result.output)
    (operation,) = fake_vertex.operations
    assert line == (
        f"Vertex AI operation {operation} ended in an error: Model artifact directory is empty "
        "(the request was refused as invalid; check the value it names in liftshift.toml)"
    )
