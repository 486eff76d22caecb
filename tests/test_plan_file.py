"""liftshift.toml: round trip, user edits and comments survive a rerun, clear errors, and the
one rule for which settings a step runs with."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftshift.foundation.plan import (
    ChannelPlan,
    Plan,
    PlanError,
    load_plan,
    plan_path,
    save_plan,
    settings_for_plan,
)
from liftshift.foundation.settings import Settings


def a_plan() -> Plan:
    plan = Plan()
    plan.data.channels.append(
        ChannelPlan("train", "s3://src-bucket/train", "gs://dst-bucket/train", "--train")
    )
    plan.training.hyperparameters = {"n-estimators": 200, "target": "Survived"}
    return plan


def test_round_trip(tmp_path: Path) -> None:
    save_plan(a_plan(), tmp_path)
    assert load_plan(tmp_path) == a_plan()


def test_rerun_keeps_user_edits_and_comments(tmp_path: Path) -> None:
    save_plan(a_plan(), tmp_path)
    path = plan_path(tmp_path)
    path.write_text(
        path.read_text().replace('region = "us-central1"', 'region = "europe-west4"  # ours')
    )
    proposed = a_plan()
    proposed.model.description = "new key the user has not seen"
    save_plan(proposed, tmp_path)
    assert 'region = "europe-west4"  # ours' in path.read_text()
    assert load_plan(tmp_path).target.region == "europe-west4"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("instance_count = 1", 'instance_count = "two"'), "training.instance_count: expected int"),
        (("[model]", "[model]\ncolour = 1"), "unknown key(s): colour"),
        (('access = "fuse"', 'access = "ftp"'), "data.access: 'ftp' is not one of"),
        (("[model]", "[model"), "not valid TOML"),
    ],
)
def test_bad_values_name_the_file_and_key(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    save_plan(a_plan(), tmp_path)
    path = plan_path(tmp_path)
    path.write_text(path.read_text().replace(*edit, 1))
    with pytest.raises(PlanError, match=r"liftshift\.toml") as error:
        load_plan(tmp_path)
    assert message in str(error.value)


def test_missing_plan_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="liftshift plan"):
        load_plan(tmp_path)


def test_settings_priority_is_environment_then_plan_then_flags(tmp_path: Path) -> None:
    env = {"GOOGLE_CLOUD_PROJECT": "from-env", "GOOGLE_CLOUD_REGION": "asia-east1"}
    settings = Settings.from_env(tmp_path, env=env)
    plan = Plan()
    plan.target.name, plan.target.region = "gcp", "europe-west4"

    assert settings_for_plan(None, settings).gcp.project == "from-env"
    planned = settings_for_plan(plan, settings)
    assert (planned.target, planned.gcp.project, planned.gcp.region) == (
        "gcp",
        "from-env",  # the plan leaves it empty
        "europe-west4",
    )
    plan.target.gcp_project = "from-plan"
    flagged = settings_for_plan(plan, settings, target="local", region="us-east1")
    assert (flagged.target, flagged.gcp.project, flagged.gcp.region) == (
        "local",
        "from-plan",
        "us-east1",
    )
