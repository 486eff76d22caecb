"""`liftshift run --target gcp` end to end, the way a user runs it: S3 on moto, GCS on
fake-gcs-server, Vertex AI and Cloud Logging on the in-process fake, over gRPC with the default
settings (no ``LIFTSHIFT_VERTEX_TRANSPORT``) and over REST, with the same requests sent; IAM
admin, Resource Manager and bucket policies on the IAM fake (which forwards every other storage
request to fake-gcs-server)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from liftshift.foundation.clients import gcs_client, s3_client
from liftshift.foundation.settings import Settings
from tests.fakes.cloudbuild import FakeCloudBuild
from tests.fakes.gcp_iam import FakeGcpIam
from tests.fakes.vertex import FakeVertex
from tests.fixtures.emulators import Emulator
from tests.run.test_pipeline import copy_example, liftshift

pytestmark = pytest.mark.slow  # a subprocess that builds and uploads the trainer package

BUCKET = "acme-ml-datasets"


def _seed_s3(settings: Settings, project: Path) -> None:
    s3 = s3_client(settings)
    s3.create_bucket(Bucket=BUCKET)
    for channel in ("train", "test"):
        data = (project / "data" / channel / f"{channel}.csv").read_bytes()
        s3.put_object(Bucket=BUCKET, Key=f"titanic/{channel}/{channel}.csv", Body=data)


def _write_model_when_done(settings: Settings, fake: FakeVertex) -> None:
    """The fake job 'trains' by writing model.joblib where Vertex tells the trainer to."""
    bucket = gcs_client(settings)

    def write(job: dict[str, Any]) -> None:
        base = job["jobSpec"]["baseOutputDirectory"]["outputUriPrefix"]
        name, _, prefix = base.removeprefix("gs://").partition("/")
        bucket.bucket(name).blob(f"{prefix}/model/model.joblib").upload_from_string(b"model")
        fake.add_log(job["name"].rsplit("/", 1)[-1], "accuracy 0.81", time.time())

    fake.on_job_succeeded = write


@pytest.fixture
def gcp_env(
    emulator_env: dict[str, str],
    gcs_server: Emulator,
    fake_gcp_iam: FakeGcpIam,
    fake_cloudbuild: FakeCloudBuild,
) -> dict[str, str]:
    """The emulators' environment with storage behind the IAM fake (bucket policies there,
    everything else forwarded to fake-gcs-server), the IAM APIs on the fake, and Cloud Build
    (titanic serves its own handlers: its version's image is built) on its fake."""
    fake_gcp_iam.storage_upstream = gcs_server.url
    return {
        **emulator_env,
        "STORAGE_EMULATOR_HOST": fake_gcp_iam.storage_endpoint,
        "LIFTSHIFT_IAM_ENDPOINT": fake_gcp_iam.grpc_endpoint,
        "LIFTSHIFT_CLOUDBUILD_ENDPOINT": fake_cloudbuild.endpoint,
    }


def _run_gcp(
    tmp_path: Path, settings: Settings, base_env: dict[str, str], fake_vertex: FakeVertex
) -> subprocess.CompletedProcess:
    """``liftshift run --target gcp`` on a fresh titanic copy whose data is in S3."""
    project = copy_example("titanic-sklearn", tmp_path)
    _seed_s3(settings, project)
    gcs_client(settings).create_bucket(BUCKET)
    _write_model_when_done(settings, fake_vertex)
    env = {
        **base_env,
        "GOOGLE_CLOUD_PROJECT": fake_vertex.project,
        "LIFTSHIFT_VERTEX_ENDPOINT": fake_vertex.endpoint,
        "LIFTSHIFT_LOGGING_ENDPOINT": fake_vertex.endpoint,
    }
    if fake_vertex.transport == "rest":
        env["LIFTSHIFT_VERTEX_TRANSPORT"] = "rest"  # gRPC is the default users get

    return liftshift(
        "run", str(project), "--target", "gcp", "--yes", "--json", "--poll-interval", "0.05",
        cwd=tmp_path, env=env,
    )  # fmt: skip


def test_gcp_run_to_version_1(
    tmp_path: Path,
    cloud_settings: Settings,
    fake_gcp_iam: FakeGcpIam,
    gcp_env: dict[str, str],
    fake_vertex: FakeVertex,
) -> None:
    result = _run_gcp(tmp_path, cloud_settings, gcp_env, fake_vertex)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert [(s["step"], s["outcome"]) for s in summary["steps"]] == [
        ("plan", "done"),
        ("migrate", "done"),
        ("sync", "done"),
        ("iam", "done"),
        ("train", "done"),
        ("verify", "skipped"),  # verify runs the two trainers on this machine: local target
        ("register", "done"),
    ]
    assert summary["model"]["version"] == "1"
    assert "accuracy 0.81" in result.stderr, "the job's log reached the user"

    (create,) = fake_vertex.calls("create_custom_job")
    job_spec = create.body["jobSpec"]
    assert job_spec["serviceAccount"] == (
        f"titanic-sklearn-trainer@{fake_vertex.project}.iam.gserviceaccount.com"
    )
    assert fake_gcp_iam.calls("CreateServiceAccount"), "the job's service account was made"
    (pool,) = job_spec["workerPoolSpecs"]
    assert pool["machineSpec"] == {"machineType": "n1-standard-4"}
    assert pool["pythonPackageSpec"]["pythonModule"] == "trainer.train"
    args = pool["pythonPackageSpec"]["args"]
    assert args[args.index("--train") + 1] == f"gs://{BUCKET}/titanic/train"
    (upload,) = fake_vertex.calls("upload_model")
    assert upload.body["model"]["displayName"] == "titanic-sklearn"
    serving = upload.body["model"]["containerSpec"]
    assert "/liftshift/titanic-sklearn-serving:" in serving["imageUri"], "built by Cloud Build"
    assert serving["predictRoute"] == "/predict"
    assert upload.body["model"]["artifactUri"] == (
        job_spec["baseOutputDirectory"]["outputUriPrefix"] + "/model"
    )
    assert fake_vertex.calls("list_log_entries"), "logs were read from Cloud Logging"


def test_gcp_run_refused_job_is_one_line(
    tmp_path: Path,
    cloud_settings: Settings,
    gcp_env: dict[str, str],
    fake_vertex: FakeVertex,
) -> None:
    fake_vertex.fail_next(
        "create_custom_job", "PERMISSION_DENIED", "Permission 'aiplatform.customJobs.create' denied"
    )
    result = _run_gcp(tmp_path, cloud_settings, gcp_env, fake_vertex)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    failed = json.loads(result.stdout)["steps"][-1]
    assert (failed["step"], failed["outcome"]) == ("train", "failed")
    assert failed["summary"] == (
        "Vertex AI refused the request: Permission 'aiplatform.customJobs.create' denied "
        "(check the account's roles: Vertex AI User, Storage Object Admin)"
    )
