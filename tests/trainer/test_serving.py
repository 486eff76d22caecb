"""Versions served by the project's predictor (``model.serving = "cpr"``): the gcp dry run
shows the serving image build and the container spec, the Vertex fake receives that spec
through the real aiplatform client, and the local registry keeps the predictor's package."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import load_plan, save_plan
from liftshift.foundation.settings import Settings
from liftshift.trainer import service, serving
from liftshift.trainer.jobs import JobState, JobStatus, build_job_spec
from liftshift.trainer.registry.local import LocalRegistry
from liftshift.trainer.registry.vertex import VertexRegistry
from liftshift.trainer.serving import CustomServing, ServingError
from tests.fakes.cloudbuild import FakeCloudBuild
from tests.fakes.vertex import FakeVertex

ENVIRONMENT = {
    "HANDLER_MODULE": "google.cloud.aiplatform.prediction.handler",
    "HANDLER_CLASS": "PredictionHandler",
    "PREDICTOR_MODULE": "trainer.predictor",
    "PREDICTOR_CLASS": "HandlersPredictor",
}


def _cpr(project: Path) -> None:
    plan = load_plan(project)
    plan.model.serving = "cpr"
    plan.target.gcp_project = "acme-ml"
    save_plan(plan, project, keep_existing=False)


def test_gcp_dry_run_shows_the_image_build_and_the_container_spec(toy_project: Path) -> None:
    _cpr(toy_project)
    result = CliRunner().invoke(
        cli, ["train", str(toy_project), "--target", "gcp", "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    requests = json.loads(result.output)
    build = requests["serving_image_build"]
    content_hash = requests["package_upload"]["content_hash"]
    image = f"us-central1-docker.pkg.dev/acme-ml/liftshift/toy-model-serving:{content_hash}"
    source = f"liftshift/serving/{content_hash}/source.tar.gz"
    assert build["source_upload"] == f"gs://toy-staging/{source}"
    assert build["create_build"] == {
        "projectId": "acme-ml",
        "build": {
            "source": {"storageSource": {"bucket": "toy-staging", "object": source}},
            "steps": [
                {"name": "gcr.io/cloud-builders/docker", "args": ["build", "--tag", image, "."]}
            ],
            "images": [image],
            "tags": ["liftshift-serving"],
        },
    }
    dockerfile = "\n".join(build["dockerfile"])
    # the framework's prebuilt prediction image: the model loads with the version it trained with
    assert dockerfile.startswith("FROM us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.")
    assert 'ENTRYPOINT ["python3", "-m", "google.cloud.aiplatform.prediction.model_server"]' in (
        dockerfile
    )
    assert "PREDICTOR_MODULE=trainer.predictor PREDICTOR_CLASS=HandlersPredictor" in dockerfile
    install = 'RUN pip3 install --no-cache-dir "google-cloud-aiplatform[prediction]>=1.27.0"'
    assert f"{install} /tmp/trainer-" in dockerfile
    assert requests["upload_model"]["model"]["container_spec"] == {
        "image_uri": image,
        "predict_route": "/predict",
        "health_route": "/health",
        "ports": [{"container_port": 8080}],
        "env": [{"name": k, "value": v} for k, v in ENVIRONMENT.items()],
    }


def test_prebuilt_dry_run_has_no_build(toy_project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["train", str(toy_project), "--target", "gcp", "--dry-run", "--json"]
    )
    requests = json.loads(result.output)
    assert "serving_image_build" not in requests
    assert set(requests["upload_model"]["model"]["container_spec"]) == {"image_uri"}


def test_vertex_upload_sends_the_cpr_container_spec(
    vertex_settings: Settings, fake_vertex: FakeVertex
) -> None:
    from liftshift.foundation.clients import gcs_client

    bucket = gcs_client(vertex_settings).bucket("toy-staging")
    bucket.blob("out/model/model.joblib").upload_from_string(b"model")
    image = "us-central1-docker.pkg.dev/fake-project/liftshift/served-serving:abc"
    custom = CustomServing(image, "trainer.predictor", "HandlersPredictor")
    version = VertexRegistry(vertex_settings).upload_version(
        "served", "gs://toy-staging/out/model", serving_container="", custom=custom
    )
    (upload,) = fake_vertex.calls("upload_model")
    spec = upload.body["model"]["containerSpec"]
    assert spec == {
        "imageUri": image,
        "predictRoute": "/predict",
        "healthRoute": "/health",
        "ports": [{"containerPort": 8080}],
        "env": [{"name": k, "value": v} for k, v in ENVIRONMENT.items()],
    }
    assert version.serving_container == image
    assert version.predictor == "trainer.predictor:HandlersPredictor"


def test_local_registry_keeps_the_predictor_package_with_the_version(
    toy_settings: Settings, tmp_path: Path
) -> None:
    artifact = tmp_path / "model"
    artifact.mkdir()
    (artifact / "weights.pth").write_bytes(b"model")  # any name: the project's model_fn loads it
    sdist = tmp_path / "packages" / "0123abcd" / "trainer-0.1.tar.gz"
    sdist.parent.mkdir(parents=True)
    sdist.write_bytes(b"sdist")
    custom = CustomServing("img:0123abcd", "trainer.predictor", "HandlersPredictor",
                           str(sdist), "0123abcd")  # fmt: skip
    registry = LocalRegistry(toy_settings)
    version = registry.upload_version("m", str(artifact), serving_container="", custom=custom)
    assert version.predictor == "trainer.predictor:HandlersPredictor"
    assert version.serving_container == "img:0123abcd"
    kept = Path(version.package_uri)
    assert kept.read_bytes() == b"sdist" and kept.parent.name == "0123abcd"
    assert kept.is_relative_to(Path(version.resource_name))
    assert registry.list_versions("m")[0].package_uri == version.package_uri


def test_cpr_without_a_predictor_is_one_clear_error(
    toy_project: Path, toy_settings: Settings
) -> None:
    _cpr(toy_project)
    spec = build_job_spec(load_plan(toy_project), toy_settings)
    with pytest.raises(ServingError, match=r'trainer/predictor.py: model.serving is "cpr"'):
        service.custom_serving(spec, toy_settings)


@pytest.fixture
def cpr_on_gcp(
    vertex_settings: Settings, fake_cloudbuild: FakeCloudBuild, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, Any, JobStatus]:
    """The toy project with a predictor and ``serving = "cpr"``, its model in the bucket,
    Cloud Build on the fake: what ``register_model`` gets after a gcp job."""
    from liftshift.foundation.clients import gcs_client

    project = vertex_settings.project_dir
    (project / "trainer" / "predictor.py").write_text(
        "class HandlersPredictor:\n    pass\n", encoding="utf-8"
    )
    _cpr(project)
    monkeypatch.setattr(serving, "POLL_SECONDS", 0.0)  # the fake's build is done at once
    settings = replace(
        vertex_settings,
        gcp=replace(vertex_settings.gcp, cloudbuild_endpoint=fake_cloudbuild.endpoint),
    )
    gcs_client(settings).bucket("toy-staging").blob("out/model/model.joblib").upload_from_string(
        b"model"
    )
    spec = build_job_spec(load_plan(project), settings)
    status = JobStatus("job", JobState.SUCCEEDED, model_dir="gs://toy-staging/out/model")
    return settings, spec, status


def test_gcp_registration_builds_the_image_then_uploads_it(
    cpr_on_gcp: tuple[Settings, Any, JobStatus],
    fake_cloudbuild: FakeCloudBuild,
    fake_vertex: FakeVertex,
) -> None:
    from liftshift.foundation.clients import gcs_client

    settings, spec, status = cpr_on_gcp
    version = service.register_model(spec, status, settings)
    (build,) = fake_cloudbuild.builds
    (image,) = build["images"]
    assert image.startswith("us-central1-docker.pkg.dev/acme-ml/liftshift/toy-model-serving:")
    assert build["steps"] == [
        {"name": "gcr.io/cloud-builders/docker", "args": ["build", "--tag", image, "."]}
    ]
    source = build["source"]["storageSource"]
    archive = gcs_client(settings).bucket(source["bucket"]).blob(source["object"])
    with tarfile.open(fileobj=io.BytesIO(archive.download_as_bytes())) as tar:
        names = tar.getnames()
        dockerfile = tar.extractfile("Dockerfile").read().decode()  # type: ignore[union-attr]
    assert names[0] == "Dockerfile" and names[1].startswith("trainer-")
    assert f"COPY {names[1]} /tmp/{names[1]}" in dockerfile
    (upload,) = fake_vertex.calls("upload_model")
    assert upload.body["model"]["containerSpec"]["imageUri"] == image
    assert upload.body["model"]["containerSpec"]["predictRoute"] == "/predict"
    assert version.predictor == "trainer.predictor:HandlersPredictor"


def test_a_quick_image_build_is_seen_within_two_seconds(
    cpr_on_gcp: tuple[Settings, Any, JobStatus],
    fake_cloudbuild: FakeCloudBuild,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The build is polled after 0.25 s, then at doubling waits up to POLL_SECONDS (5 s)."""
    settings, spec, status = cpr_on_gcp
    monkeypatch.setattr(serving, "POLL_SECONDS", 5.0)
    fake_cloudbuild.running_polls = 2
    waits: list[float] = []
    monkeypatch.setattr(serving.time, "sleep", waits.append)  # the build's polls come first
    service.register_model(spec, status, settings)
    assert fake_cloudbuild.polls == 3
    assert waits[:3] == [0.25, 0.5, 1.0]


def test_a_failed_image_build_registers_nothing(
    cpr_on_gcp: tuple[Settings, Any, JobStatus],
    fake_cloudbuild: FakeCloudBuild,
    fake_vertex: FakeVertex,
) -> None:
    settings, spec, status = cpr_on_gcp
    fake_cloudbuild.fail_with = "step 0 exited 1: pip could not install the package"
    with pytest.raises(ServingError, match="pip could not install the package"):
        service.register_model(spec, status, settings)
    assert not fake_vertex.calls("upload_model")


def test_models_predict_picks_a_version_by_number_or_alias(
    toy_settings: Settings, tmp_path: Path
) -> None:
    import joblib
    from sklearn.linear_model import LogisticRegression

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    joblib.dump(model, model_dir / "model.joblib")
    registry = LocalRegistry(toy_settings)
    registry.upload_version("m", str(model_dir), serving_container="prebuilt")
    registry.upload_version("m", str(model_dir), serving_container="prebuilt", aliases=("new",))
    instances = tmp_path / "instances.json"
    instances.write_text(json.dumps({"instances": [[0.0], [3.0]]}), encoding="utf-8")
    project = str(toy_settings.project_dir)

    def models_predict(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["models", "predict", *args, "--project", project])
        return result.exit_code, result.output

    code, out = models_predict("m@new", "--instances", str(instances), "--json")
    assert code == 0, out
    assert json.loads(out)["version"] == "2" and json.loads(out)["predictions"] == [0, 1]
    code, out = models_predict("m", "--instances", str(instances))
    assert code == 0 and out.startswith("m version 1 (prebuilt):\n  #1  0\n  #2  1"), out
    code, out = models_predict("m@7", "--instances", str(instances))
    assert code == 2 and "m has no version or alias '7' (versions: 1 (default), 2 (new))" in out
    code, out = models_predict("m")
    assert code == 2 and "no instances to send: pass --instances FILE" in out


def test_every_local_version_keeps_the_package_that_trained_it(
    toy_project: Path, toy_settings: Settings, tmp_path: Path
) -> None:
    """Registered without the job's package (``run``'s register step), the project's package
    is built (a cache hit when unchanged) and kept beside the prebuilt-served version."""
    from liftshift.trainer.packaging import build_package

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "model.pkl").write_bytes(b"pickle")
    spec = build_job_spec(load_plan(toy_project), toy_settings)
    status = JobStatus("job", JobState.SUCCEEDED, model_dir=str(model_dir))
    version = service.register_model(spec, status, toy_settings)
    built = build_package(toy_project, toy_settings)
    kept = Path(version.package_uri)
    assert not version.predictor and kept.parent.name == built.content_hash
    assert kept.read_bytes() == built.path.read_bytes()
    assert LocalRegistry(toy_settings).list_versions("toy-model")[0].package_uri == str(kept)


def _joblib_version(toy_settings: Settings, tmp_path: Path) -> Any:
    """A scikit-learn version registered as before the registry kept packages."""
    import joblib
    from sklearn.linear_model import LogisticRegression

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    joblib.dump(model, model_dir / "model.joblib")
    return LocalRegistry(toy_settings).upload_version("m", str(model_dir), serving_container="p")


@pytest.mark.slow
def test_a_version_without_its_package_is_loaded_here_and_says_so_in_one_line(
    toy_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liftshift.trainer.localenv import ENV_MODE_VARIABLE
    from liftshift.trainer.predict import predict

    version = _joblib_version(toy_settings, tmp_path)
    assert version.package_uri == ""
    assert predict(version, [[0.0]], toy_settings).note == ""  # inherit: nothing falls back
    monkeypatch.setenv(ENV_MODE_VARIABLE, "isolated")
    prediction = predict(version, [[0.0], [3.0]], toy_settings)
    assert prediction.predictions == [0, 1]
    assert prediction.note == (
        "m version 1: it was registered without its package, so it is loaded with liftshift's "
        "own libraries, not the ones it trained with; register it again (`liftshift train`) "
        "to predict in its training environment"
    )
    project = str(toy_settings.project_dir)
    instances = tmp_path / "instances.json"
    instances.write_text("[[3.0]]", encoding="utf-8")
    shown = CliRunner().invoke(
        cli, ["models", "predict", "m", "--instances", str(instances), "--project", project]
    )
    assert shown.exit_code == 0, shown.output
    assert shown.stderr == f"note: {prediction.note}\n"
    assert shown.stdout == "m version 1 (p):\n  #1  1\n"
    as_json = CliRunner().invoke(
        cli, ["models", "predict", "m", "--instances", str(instances), "--project", project,
              "--json"]
    )  # fmt: skip
    assert json.loads(as_json.stdout)["note"] == prediction.note
