"""The Vertex backend and registry, through the real google-cloud-aiplatform and
google-cloud-logging clients, against the in-process fake (tests/fakes/vertex.py) and
fake-gcs-server. Asserts the exact requests sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import load_plan, save_plan
from liftshift.foundation.settings import Settings
from liftshift.trainer import monitor, service
from liftshift.trainer.backends.vertex import VertexBackend
from liftshift.trainer.jobs import JobChecked, JobLogLine, JobState, JobStateChanged, TrainOverrides
from liftshift.trainer.monitor import Backoff
from liftshift.trainer.registry.vertex import VertexRegistry
from tests.fakes.vertex import FakeVertex

FAST = Backoff(initial=0.01, maximum=0.05)


def _backend(settings: Settings) -> VertexBackend:
    backend = VertexBackend(settings)
    backend.backoff = FAST
    return backend


def _write_model(settings: Settings, model_dir: str, name: str = "model.joblib") -> None:
    from liftshift.foundation.clients import gcs_client

    bucket, _, prefix = model_dir.removeprefix("gs://").partition("/")
    gcs_client(settings).bucket(bucket).blob(f"{prefix}/{name}").upload_from_string(b"model")


def _job_body(fake: FakeVertex) -> dict:
    """The CreateCustomJob body as sent, with enum numbers turned back into their names."""
    from google.cloud.aiplatform_v1.types import AcceleratorType

    (call,) = fake.calls("create_custom_job")
    body = json.loads(json.dumps(call.body))
    for pool in body["jobSpec"]["workerPoolSpecs"]:
        machine = pool["machineSpec"]
        if "acceleratorType" in machine:
            machine["acceleratorType"] = AcceleratorType(machine["acceleratorType"]).name
    return body


@pytest.mark.slow
def test_vertex_job_and_two_model_versions(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    plan = load_plan(toy_project)
    plan.training.service_account = "trainer@fake-project.iam.gserviceaccount.com"
    plan.training.timeout_hours = 2
    plan.model.version_aliases = ["candidate"]
    fake_vertex.lro_polls = 2  # the upload operation is not done at the first poll
    backend = _backend(vertex_settings)
    events: list[object] = []
    overrides = TrainOverrides(scale_tier="BASIC_GPU")
    result = service.start_training(
        plan, vertex_settings, overrides, reporter=events.append, backend=backend
    )
    spec = result.spec
    job_id = result.handle.job_id
    fake_vertex.add_log(job_id, "epoch 1 loss 0.5", time.time())
    fake_vertex.add_log(job_id, "epoch 2 loss 0.4", time.time() + 0.001, structured=True)
    fake_vertex.add_log("other-job", "not ours", time.time())
    _write_model(vertex_settings, spec.model_dir)
    service.finish_training(result, vertex_settings, reporter=events.append, backend=backend)
    assert result.succeeded, result.status

    package_uri = (
        f"gs://toy-staging/liftshift/packages/{result.package.content_hash}/trainer-0.1.tar.gz"
    )
    assert result.package_uri == package_uri
    body = _job_body(fake_vertex)
    assert body["displayName"] == spec.job_name
    assert body["labels"] == {"created-by": "liftshift", "liftshift-job": "toy"}
    job_spec = body["jobSpec"]
    assert job_spec["workerPoolSpecs"] == [
        {
            "machineSpec": {
                "machineType": "n1-standard-8",
                "acceleratorType": "NVIDIA_TESLA_T4",
                "acceleratorCount": 1,
            },
            "replicaCount": "1",
            "pythonPackageSpec": {
                "executorImageUri": "us-docker.pkg.dev/vertex-ai/training/sklearn-cpu.1-0:latest",
                "packageUris": [package_uri],
                "pythonModule": "trainer.task",
                "args": [
                    "--alpha",
                    "2",
                    "--mode",
                    "ok",
                    "--train",
                    "gs://toy-data/train",
                    "--job-dir",
                    f"{spec.base_output_dir}/model",
                ],
            },
        }
    ]
    assert job_spec["baseOutputDirectory"] == {"outputUriPrefix": spec.base_output_dir}
    assert spec.base_output_dir.startswith("gs://toy-staging/liftshift/jobs/toy-")
    assert job_spec["serviceAccount"] == "trainer@fake-project.iam.gserviceaccount.com"
    assert job_spec["scheduling"]["timeout"] == "7200s"

    states = [e.state for e in events if isinstance(e, JobStateChanged)]
    assert states == [JobState.PENDING, JobState.RUNNING, JobState.SUCCEEDED]
    checks = [e for e in events if isinstance(e, JobChecked)]
    assert [c.state for c in checks] == states, "one JobChecked per status poll"
    assert all(c.checked_at <= time.time() for c in checks)
    assert [e.text for e in events if isinstance(e, JobLogLine)] == [
        "epoch 1 loss 0.5",
        "epoch 2 loss 0.4",
    ]
    (log_call, *_) = fake_vertex.calls("list_log_entries")
    log_filter = log_call.body["filter"]
    assert f'resource.labels.job_id="{job_id}"' in log_filter
    assert 'resource.type="ml_job"' in log_filter and 'timestamp>="' in log_filter

    (upload,) = fake_vertex.calls("upload_model")
    assert "parentModel" not in upload.body
    model = upload.body["model"]
    assert model["artifactUri"] == spec.model_dir
    assert model["containerSpec"]["imageUri"] == (
        "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-2:latest"
    )
    assert set(model["versionAliases"]) == {"default", "candidate"}  # the SDK adds default
    assert result.model_version is not None
    assert result.model_version.version_id == "1"
    assert set(result.model_version.aliases) == {"default", "candidate"}
    assert len(fake_vertex.calls("get_operation")) == 2, "the client polled the upload LRO"

    # a second run becomes version 2 of the same model
    second = service.start_training(plan, vertex_settings, overrides, backend=backend)
    _write_model(vertex_settings, second.spec.model_dir)
    service.finish_training(second, vertex_settings, backend=backend)
    assert second.model_version is not None and second.model_version.version_id == "2"
    upload2 = fake_vertex.calls("upload_model")[1]
    model_name = result.model_version.resource_name.split("@")[0]
    assert upload2.body["parentModel"] == model_name
    assert "default" not in upload2.body["model"].get("versionAliases", [])
    versions = VertexRegistry(vertex_settings).list_versions("toy-model")
    assert [(v.version_id, "default" in v.aliases) for v in versions] == [
        ("1", True),
        ("2", False),
    ]
    # the package was uploaded once: the second run found it in the bucket
    assert second.package.reused


def test_failed_job_creates_no_version(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    fake_vertex.job_states = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_FAILED"]
    backend = _backend(vertex_settings)
    result = service.start_training(load_plan(toy_project), vertex_settings, backend=backend)
    service.finish_training(result, vertex_settings, backend=backend)
    assert result.status is not None and result.status.state == JobState.FAILED
    assert "non-zero status" in result.status.error
    assert not fake_vertex.calls("upload_model")


def test_cancel_reaches_cancelled(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    fake_vertex.job_states = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING"]
    backend = _backend(vertex_settings)
    result = service.start_training(load_plan(toy_project), vertex_settings, backend=backend)
    assert backend.status(result.handle.job_id).state == JobState.PENDING
    assert backend.cancel(result.handle.job_id).state == JobState.CANCELLED
    assert fake_vertex.calls("cancel_custom_job")
    service.finish_training(result, vertex_settings, backend=backend)
    assert result.status is not None and result.status.state == JobState.CANCELLED
    assert result.model_version is None


def test_tar_gz_model_is_unpacked_before_upload(
    vertex_settings: Settings, fake_vertex: FakeVertex, tmp_path: Path
) -> None:
    import io
    import tarfile

    from liftshift.foundation.clients import gcs_client

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"pickled"
        info = tarfile.TarInfo("model.joblib")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    bucket = gcs_client(vertex_settings).bucket("toy-staging")
    bucket.blob("out/model/model.tar.gz").upload_from_string(buffer.getvalue())
    version = VertexRegistry(vertex_settings).upload_version(
        "tarred",
        "gs://toy-staging/out/model",
        serving_container="us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-6:latest",
    )
    assert version.version_id == "1" and version.aliases == ("default",)
    assert bucket.blob("out/model/model.joblib").exists()


def _cli_env(settings: Settings, fake: FakeVertex) -> dict[str, str]:
    """The CLI's environment: gRPC is the default transport, so it is only named for REST."""
    return {
        "STORAGE_EMULATOR_HOST": settings.gcp.storage_endpoint or "",
        "GOOGLE_CLOUD_PROJECT": fake.project,
        "LIFTSHIFT_VERTEX_ENDPOINT": fake.endpoint,
        "LIFTSHIFT_VERTEX_TRANSPORT": "rest" if fake.transport == "rest" else "",
        "LIFTSHIFT_LOGGING_ENDPOINT": fake.endpoint,
        "GOOGLE_APPLICATION_CREDENTIALS": "",
    }


def test_cli_missing_staging_bucket(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    result = CliRunner().invoke(
        cli,
        ["train", str(toy_project), "--target", "gcp", "--staging-bucket", "gs://no-such-bucket"],
        env=_cli_env(vertex_settings, fake_vertex),
    )
    assert result.exit_code == 2, result.output
    assert "staging bucket gs://no-such-bucket does not exist" in result.output
    assert not fake_vertex.calls("create_custom_job")


def test_cli_detach_then_jobs_commands(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    env = _cli_env(vertex_settings, fake_vertex)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["train", str(toy_project), "--target", "gcp", "--detach", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    job_id = json.loads(result.output[result.output.index("{") :])["job_id"]
    fake_vertex.add_log(job_id, "hello from vertex", time.time())
    result = runner.invoke(cli, ["jobs", "cancel", job_id, "--target", "gcp"], env=env)
    assert result.exit_code == 0 and "CANCELLED" in result.output
    result = runner.invoke(cli, ["jobs", "logs", job_id, "--target", "gcp"], env=env)
    assert "hello from vertex" in result.output
    result = runner.invoke(cli, ["jobs", "status", job_id, "--target", "gcp"], env=env)
    assert result.exit_code == 1 and "CANCELLED" in result.output
    result = runner.invoke(cli, ["jobs", "list", "--target", "gcp", "--json"], env=env)
    assert [j["job_id"] for j in json.loads(result.output)] == [job_id]
    (listing,) = fake_vertex.calls("list_custom_jobs")
    assert listing.query["filter"] == ['labels.created-by="liftshift"']


def test_cli_no_credentials(toy_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from google.auth.compute_engine import _metadata

    # google-auth reads NO_GCE_CHECK once, at import (and only "true" counts): without this
    # it pings the metadata server three times with backoff sleeps (~3 s) before giving up
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)
    plan = load_plan(toy_project)
    plan.target.name = "gcp"
    save_plan(plan, toy_project, keep_existing=False)
    env = {
        "GOOGLE_APPLICATION_CREDENTIALS": "",
        "STORAGE_EMULATOR_HOST": "",
        "NO_GCE_CHECK": "true",
        "GCE_METADATA_HOST": "127.0.0.1:9",
        "GCE_METADATA_IP": "127.0.0.1:9",
        "CLOUDSDK_CONFIG": str(toy_project / "no-gcloud"),
    }
    result = CliRunner().invoke(cli, ["train", str(toy_project)], env=env)
    assert result.exit_code == 2, result.output
    assert "no Google Cloud project" in result.output
    env["GOOGLE_CLOUD_PROJECT"] = "some-project"
    result = CliRunner().invoke(cli, ["train", str(toy_project)], env=env)
    assert result.exit_code == 2, result.output
    assert "No Google Cloud credentials" in result.output


def test_deploy_reuses_endpoint_and_predicts(
    vertex_settings: Settings, fake_vertex: FakeVertex
) -> None:
    from liftshift.foundation.clients import gcs_client
    from liftshift.trainer.predict import predict

    bucket = gcs_client(vertex_settings).bucket("toy-staging")
    bucket.blob("out/model/model.joblib").upload_from_string(b"model")
    version = VertexRegistry(vertex_settings).upload_version(
        "served",
        "gs://toy-staging/out/model",
        serving_container="us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-6:latest",
    )
    fake_vertex.predictions = [1]
    first = predict(version, [[1, 2], [3, 4]], vertex_settings)
    assert first.predictions == [1, 1]
    (create,) = fake_vertex.calls("create_endpoint")
    assert create.body["displayName"] == "served-endpoint"
    (deploy,) = fake_vertex.calls("deploy_model")
    deployed = deploy.body["deployedModel"]
    assert deployed["model"] == f"{version.resource_name}@1"
    assert deployed["dedicatedResources"]["machineSpec"] == {"machineType": "n1-standard-2"}
    assert fake_vertex.calls("predict")[0].body == {"instances": [[1, 2], [3, 4]]}
    second = predict(version, [[5, 6]], vertex_settings)
    assert second.endpoint == first.endpoint
    assert len(fake_vertex.calls("create_endpoint")) == 1  # reused
    assert len(fake_vertex.calls("deploy_model")) == 1  # already deployed


def _wait_until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Readiness check: poll ``condition`` until true (fails the test after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        threading.Event().wait(0.01)


def test_log_stream_reconnects_after_a_drop_without_duplicates(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    """On gRPC lines stream live (TailLogEntries); the fake resets the stream after two lines,
    and the rest arrive once each after the reconnect. On REST the same lines come by polling."""
    fake_vertex.job_states = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING"]  # until we say so
    fake_vertex.drop_tail_after = 2
    backend = _backend(vertex_settings)
    result = service.start_training(load_plan(toy_project), vertex_settings, backend=backend)
    job_id = result.handle.job_id
    lines: list[str] = []
    follower = threading.Thread(
        target=monitor.follow,
        args=(
            backend,
            job_id,
            lambda e: lines.append(e.text) if isinstance(e, JobLogLine) else None,
        ),
        daemon=True,
    )
    follower.start()
    grpc = fake_vertex.transport == "grpc"
    _wait_until(
        lambda: (
            fake_vertex.calls("list_log_entries")
            and (not grpc or fake_vertex.calls("tail_log_entries"))
        )
    )
    now = time.time()
    for step in range(5):
        fake_vertex.add_log(job_id, f"step {step}", now + step / 1000)
    _wait_until(lambda: len(lines) >= 5)
    fake_vertex.job_states = [*fake_vertex.job_states, "JOB_STATE_SUCCEEDED"]
    follower.join(timeout=20)
    assert not follower.is_alive()
    assert lines == [f"step {step}" for step in range(5)]
    if grpc:
        assert fake_vertex.tail_dropped.is_set(), "the stream was dropped mid-way"
        assert len(fake_vertex.calls("tail_log_entries")) >= 2, "and opened again"
        assert not backend._tails, "the stream is closed when the follow ends"


def test_cli_logs_follow_to_the_end_at_the_poll_interval(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    env = _cli_env(vertex_settings, fake_vertex)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["train", str(toy_project), "--target", "gcp", "--detach", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    job_id = json.loads(result.output[result.output.index("{") :])["job_id"]
    fake_vertex.add_log(job_id, "epoch 1", time.time())
    result = runner.invoke(
        cli,
        ["jobs", "logs", job_id, "--follow", "--poll-interval", "0.01", "--target", "gcp"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("epoch 1") == 1
    assert "[state] SUCCEEDED" in result.output
