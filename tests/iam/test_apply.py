"""``iam apply`` through the real Google client libraries against in-process fakes: the exact
requests, idempotence (a rerun writes nothing), and no existing binding ever removed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from liftshift.foundation.plan import IamPlan
from liftshift.foundation.settings import GcpSettings, Settings
from liftshift.iam.gcp import CONDITION_TITLE, IamApplyError, apply_iam, planned_requests
from liftshift.iam.mapping import prefix_condition
from liftshift.iam.planning import propose_iam
from liftshift.migrator.planner import plan_from_scan
from liftshift.scan import scan_project
from tests.fakes.gcp_iam import FakeGcpIam

ACCOUNT = "titanic-sklearn-trainer@acme-ml.iam.gserviceaccount.com"
MEMBER = f"serviceAccount:{ACCOUNT}"
LAUNCHER = "user:ana@acme.example"
OTHER = "serviceAccount:other@acme-ml.iam.gserviceaccount.com"
EXISTING_PROJECT = [
    {"role": "roles/owner", "members": ["user:boss@acme.example"]},
    {"role": "roles/logging.logWriter", "members": [OTHER]},
]
EXISTING_BUCKET = [
    {"role": "roles/storage.legacyBucketOwner", "members": ["projectOwner:acme-ml"]},
    {"role": "roles/storage.objectViewer", "members": ["group:analysts@acme.example"]},
]


@pytest.fixture
def iam_plan(titanic: tuple[Path, Settings]) -> IamPlan:
    project, settings = titanic
    scan = scan_project(project)
    iam = propose_iam(plan_from_scan(scan), settings, scan=scan).plan.iam
    return replace(iam, launcher=LAUNCHER)


def fake_settings(fake: FakeGcpIam, tmp_path: Path) -> Settings:
    return Settings(
        target="gcp",
        project_dir=tmp_path,
        gcp=GcpSettings(
            project="acme-ml",
            storage_endpoint=fake.storage_endpoint,
            iam_endpoint=fake.grpc_endpoint,
            anonymous=True,
        ),
    )


def seed(fake: FakeGcpIam) -> None:
    fake.policies["projects/acme-ml"] = {"version": 1, "etag": "cDA=", "bindings": EXISTING_PROJECT}
    fake.policies["b/acme-ml-datasets"] = {
        "version": 1,
        "etag": "YjA=",
        "bindings": EXISTING_BUCKET,
    }


def test_apply_creates_the_account_and_adds_only_missing_bindings(
    iam_plan: IamPlan, fake_gcp_iam: FakeGcpIam, tmp_path: Path
) -> None:
    seed(fake_gcp_iam)
    settings = fake_settings(fake_gcp_iam, tmp_path)
    result = apply_iam(iam_plan, "acme-ml", settings)
    assert result.created_account
    assert result.skipped == []
    assert len(result.added) == 5

    writes = fake_gcp_iam.writes()
    assert [(method, resource) for method, resource, _ in writes] == [
        ("CreateServiceAccount", "projects/acme-ml"),
        ("SetIamPolicy", "b/acme-ml-datasets"),
        ("SetIamPolicy", "projects/acme-ml"),
        ("SetIamPolicy", f"projects/acme-ml/serviceAccounts/{ACCOUNT}"),
    ]
    create = writes[0][2]
    assert create["account_id"] == "titanic-sklearn-trainer"
    assert create["service_account"]["display_name"] == "titanic-sklearn-trainer (liftshift)"

    bucket = writes[1][2]
    assert bucket["version"] == 3
    assert bucket["etag"] == "YjA="  # read-modify-write of the policy we read
    for existing in EXISTING_BUCKET:
        assert existing in bucket["bindings"]
    added = [b for b in bucket["bindings"] if b not in EXISTING_BUCKET]
    assert sorted((b["role"], b["members"], b["condition"]["expression"]) for b in added) == [
        ("roles/storage.objectUser", [MEMBER], prefix_condition("acme-ml-datasets", "liftshift/")),
        ("roles/storage.objectViewer", [MEMBER], prefix_condition("acme-ml-datasets", "titanic/")),
    ]
    assert {b["condition"]["title"] for b in added} == {CONDITION_TITLE}

    project_policy = writes[2][2]
    assert project_policy["etag"] == "cDA="
    roles = {b["role"]: sorted(b["members"]) for b in project_policy["bindings"]}
    assert roles == {
        "roles/owner": ["user:boss@acme.example"],
        # joined to the existing unconditional binding, the other member kept
        "roles/logging.logWriter": sorted([OTHER, MEMBER]),
        "roles/aiplatform.user": [LAUNCHER],
    }
    account_policy = writes[3][2]
    assert account_policy["bindings"] == [
        {"role": "roles/iam.serviceAccountUser", "members": [LAUNCHER]}
    ]


def test_rerun_changes_nothing_and_never_removes(
    iam_plan: IamPlan, fake_gcp_iam: FakeGcpIam, tmp_path: Path
) -> None:
    seed(fake_gcp_iam)
    settings = fake_settings(fake_gcp_iam, tmp_path)
    apply_iam(iam_plan, "acme-ml", settings)
    # someone adds a binding by hand between runs
    fake_gcp_iam.policies["projects/acme-ml"]["bindings"].append(
        {"role": "roles/viewer", "members": ["user:new@acme.example"]}
    )
    before = {key: value["bindings"] for key, value in fake_gcp_iam.policies.items()}
    writes = len(fake_gcp_iam.writes())
    again = apply_iam(iam_plan, "acme-ml", settings)
    assert not again.changed
    assert len(again.kept) == 5
    assert len(fake_gcp_iam.writes()) == writes
    assert {key: value["bindings"] for key, value in fake_gcp_iam.policies.items()} == before


def test_missing_launcher_is_skipped_and_said(
    iam_plan: IamPlan, fake_gcp_iam: FakeGcpIam, tmp_path: Path
) -> None:
    result = apply_iam(
        replace(iam_plan, launcher=""), "acme-ml", fake_settings(fake_gcp_iam, tmp_path)
    )
    assert len(result.added) == 3
    assert [line.split(":")[0] for line in result.skipped] == [
        "roles/aiplatform.user on project",
        "roles/iam.serviceAccountUser on service-account",
    ]
    assert "set iam.launcher" in result.skipped[0]


def test_new_account_not_yet_visible_is_retried(
    iam_plan: IamPlan, fake_gcp_iam: FakeGcpIam, tmp_path: Path
) -> None:
    fake_gcp_iam.fail_account_unknown = 2
    slept: list[float] = []
    result = apply_iam(
        iam_plan, "acme-ml", fake_settings(fake_gcp_iam, tmp_path), sleep=slept.append
    )
    assert slept == [1.0, 2.0]
    assert len(result.added) == 5


def test_a_refused_write_is_one_line(
    iam_plan: IamPlan, fake_gcp_iam: FakeGcpIam, tmp_path: Path
) -> None:
    fake_gcp_iam.fail_account_unknown = 99
    with pytest.raises(IamApplyError, match=r"does not exist") as error:
        apply_iam(iam_plan, "acme-ml", fake_settings(fake_gcp_iam, tmp_path), sleep=lambda _: None)
    assert "\n" not in str(error.value)


def test_dry_run_lists_the_exact_requests(iam_plan: IamPlan) -> None:
    planned = planned_requests(iam_plan, "acme-ml")
    requests = planned["requests"]
    assert [(r["method"], r.get("resource", r.get("name"))) for r in requests] == [
        ("projects.serviceAccounts.create", "projects/acme-ml"),
        ("buckets.setIamPolicy", "acme-ml-datasets"),
        ("projects.setIamPolicy", "projects/acme-ml"),
        ("projects.serviceAccounts.setIamPolicy", f"projects/acme-ml/serviceAccounts/{ACCOUNT}"),
    ]
    assert requests[0]["body"]["accountId"] == "titanic-sklearn-trainer"
    assert requests[2]["add_bindings"] == [
        {"role": "roles/logging.logWriter", "members": [MEMBER]},
        {"role": "roles/aiplatform.user", "members": [LAUNCHER]},
    ]
    assert planned["skipped"] == []


def test_a_launcher_without_its_kind_is_one_line(iam_plan: IamPlan) -> None:
    with pytest.raises(IamApplyError, match=r"iam.launcher 'ana@acme.example' is not an IAM"):
        planned_requests(replace(iam_plan, launcher="ana@acme.example"), "acme-ml")
