"""``liftshift run --target gcp`` sets up access after sync and before train."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.migrator.planner import plan_from_scan
from liftshift.run.pipeline import STEPS, Pipeline
from liftshift.scan import scan_project
from tests.fakes.gcp_iam import FakeGcpIam


def test_iam_step_maps_once_applies_and_then_has_nothing_to_do(
    titanic: tuple[Path, Settings], fake_gcp_iam: FakeGcpIam
) -> None:
    assert STEPS.index("sync") < STEPS.index("iam") < STEPS.index("train")
    project, settings = titanic
    from liftshift.foundation.plan import save_plan

    save_plan(plan_from_scan(scan_project(project)), project)
    gcp = replace(
        settings.gcp,
        storage_endpoint=fake_gcp_iam.storage_endpoint,
        iam_endpoint=fake_gcp_iam.grpc_endpoint,
    )
    pipeline = Pipeline(project, replace(settings, gcp=gcp))
    first = pipeline._step_iam()
    assert first.outcome == "done"
    assert first.summary.startswith(
        "mapped role AmazonSageMaker-ExecutionRole-20240101T000000; created "
        "titanic-sklearn-trainer@acme-ml.iam.gserviceaccount.com; 3 binding(s) added"
    )
    assert [line.split(":")[0] for line in first.details] == ["not granted", "not granted"]
    plan = load_plan(project)
    assert plan.training.service_account == plan.iam.service_account
    second = Pipeline(project, replace(settings, gcp=gcp))._step_iam()
    assert second.outcome == "nothing to do"
    assert second.summary == "0 binding(s) added, 3 already there"
