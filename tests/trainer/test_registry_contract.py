"""One contract for every ModelRegistry adapter: local (on disk) and Vertex (fake server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.trainer.registry import ModelRegistry
from liftshift.trainer.registry.base import RegistryError
from liftshift.trainer.registry.local import LocalRegistry
from liftshift.trainer.registry.vertex import VertexRegistry
from tests.fakes.vertex import VERTEX_TRANSPORTS, serve_fake_vertex
from tests.trainer.conftest import settings_for_fake

CONTAINER = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-6:latest"
MakeArtifact = Callable[[str, bool], str]


@pytest.fixture(params=["local", *(f"vertex-{t}" for t in VERTEX_TRANSPORTS)])
def adapter(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ModelRegistry, MakeArtifact]]:
    if request.param == "local":
        settings = Settings(target="local", project_dir=tmp_path)

        def make_local(name: str, with_model: bool = True) -> str:
            folder = tmp_path / "out" / name
            folder.mkdir(parents=True)
            if with_model:
                (folder / "model.joblib").write_bytes(b"model")
            return str(folder)

        yield LocalRegistry(settings), make_local
        return
    from liftshift.foundation.clients import gcs_client

    with serve_fake_vertex(request.param.removeprefix("vertex-")) as fake:
        project = request.getfixturevalue("toy_project")
        settings = settings_for_fake(request.getfixturevalue("gcs_settings"), fake, project)
        bucket = gcs_client(settings).bucket("toy-staging")

        def make_gcs(name: str, with_model: bool = True) -> str:
            blob = "model.joblib" if with_model else "notes.txt"
            bucket.blob(f"out/{name}/{blob}").upload_from_string(b"model")
            return f"gs://toy-staging/out/{name}"

        yield VertexRegistry(settings), make_gcs


def test_versions_are_numbered_and_default_stays_on_the_first(
    adapter: tuple[ModelRegistry, MakeArtifact],
) -> None:
    registry, make = adapter
    first = registry.upload_version("churn", make("a", True), serving_container=CONTAINER)
    assert (first.version_id, first.aliases) == ("1", ("default",))
    second = registry.upload_version(
        "churn",
        make("b", True),
        serving_container=CONTAINER,
        aliases=("candidate",),
        description="second run",
    )
    assert (second.version_id, second.aliases) == ("2", ("candidate",))
    versions = registry.list_versions("churn")
    assert [(v.version_id, v.aliases) for v in versions] == [
        ("1", ("default",)),
        ("2", ("candidate",)),
    ]
    (model,) = registry.list_models()
    assert (model.model, model.version_id) == ("churn", "1")


def test_bad_alias_and_missing_artifact_are_refused(
    adapter: tuple[ModelRegistry, MakeArtifact],
) -> None:
    registry, make = adapter
    with pytest.raises(RegistryError, match="alias 'Bad_Alias'"):
        registry.upload_version(
            "m", make("c", True), serving_container=CONTAINER, aliases=("Bad_Alias",)
        )
    with pytest.raises(RegistryError, match="no model artifact"):
        registry.upload_version("m", make("d", False), serving_container=CONTAINER)
