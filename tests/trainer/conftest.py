"""A toy project honouring the migrated-trainer contract, copied fresh for each test."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from liftshift.foundation.plan import ChannelPlan, Plan, save_plan
from liftshift.foundation.settings import Settings
from tests.fakes.vertex import FakeVertex

TOY = Path(__file__).parent / "toy_project"


def toy_plan() -> Plan:
    plan = Plan()
    plan.training.framework = "sklearn"
    plan.training.framework_version = "1.2-1"
    plan.training.hyperparameters = {"alpha": 2, "mode": "ok"}
    plan.training.staging_bucket = "toy-staging"
    plan.model.display_name = "toy-model"
    plan.data.channels = [
        ChannelPlan(
            name="train",
            source="s3://toy-data/train/numbers.txt",
            destination="gs://toy-data/train/numbers.txt",
            argument="--train",
            sample_data="data/train",
        )
    ]
    return plan


@pytest.fixture
def toy_project(tmp_path: Path) -> Path:
    project = tmp_path / "toy"
    shutil.copytree(TOY, project, ignore=shutil.ignore_patterns("__pycache__"))
    save_plan(toy_plan(), project)
    return project


@pytest.fixture
def toy_settings(toy_project: Path) -> Settings:
    return Settings(target="local", project_dir=toy_project)


def settings_for_fake(gcs_settings: Settings, fake: FakeVertex, project: Path) -> Settings:
    """``gcp`` settings: Vertex and Cloud Logging on the fake over its transport (gRPC or
    REST), GCS on fake-gcs-server (with the toy plan's staging bucket created)."""
    from liftshift.foundation.clients import gcs_client

    settings = replace(
        gcs_settings,
        project_dir=project,
        gcp=replace(
            gcs_settings.gcp,
            project=fake.project,
            vertex_endpoint=fake.endpoint,
            vertex_transport="grpc" if fake.transport == "grpc" else "rest",
            logging_endpoint=fake.endpoint,
        ),
    )
    gcs_client(settings).create_bucket("toy-staging")
    return settings


@pytest.fixture
def vertex_settings(gcs_settings: Settings, fake_vertex: FakeVertex, toy_project: Path) -> Settings:
    return settings_for_fake(gcs_settings, fake_vertex, toy_project)
