"""Issue 13 item 8: concurrent registrations on the local registry get consecutive versions."""

from __future__ import annotations

import multiprocessing
import pickle
from pathlib import Path

from liftshift.foundation.settings import Settings
from liftshift.trainer.registry.local import LocalRegistry

WORKERS = 8


def register(project: str, artifact: str, barrier: object, results: object) -> None:
    registry = LocalRegistry(Settings(target="local", project_dir=Path(project)))
    barrier.wait()  # type: ignore[attr-defined]
    try:
        version = registry.upload_version("model", artifact, serving_container="image")
        results.put(version.version_id)  # type: ignore[attr-defined]
    except Exception as exc:  # the test reports what a process hit
        results.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


def test_eight_processes_register_eight_consecutive_versions(tmp_path: Path) -> None:
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    (artifact / "model.pkl").write_bytes(pickle.dumps({"w": 1}))
    project = tmp_path / "project"
    project.mkdir()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [
        context.Process(target=register, args=(str(project), str(artifact), barrier, results))
        for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    got = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(got, key=lambda v: int(v) if v.isdigit() else 0) == [
        str(n) for n in range(1, WORKERS + 1)
    ], got
    registry = LocalRegistry(Settings(target="local", project_dir=project))
    versions = registry.list_versions("model")
    assert [v.version_id for v in versions] == [str(n) for n in range(1, WORKERS + 1)]
    assert versions[0].aliases == ("default",)
    model_dir = project / ".liftshift" / "models" / "model"
    assert not list(model_dir.glob(".*.tmp")), "no stale temp folder"
