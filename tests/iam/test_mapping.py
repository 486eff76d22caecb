"""The execution role (moto's IAM server) → the plan's ``[iam]`` section, grant by grant."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.iam.mapping import prefix_condition
from liftshift.iam.planning import propose_iam, save_iam
from liftshift.migrator.planner import plan_from_scan
from liftshift.scan import scan_project
from tests.fixtures.emulators import AWS_TEST_ENV, Emulator
from tests.iam.conftest import ROLE_ARN, create_role, iam_settings

ACCOUNT = "titanic-sklearn-trainer@acme-ml.iam.gserviceaccount.com"


def grants(iam) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    return [(g.role, g.resource, g.member, g.condition) for g in iam.grants]


def sources(iam, role: str, resource: str) -> list[str]:  # type: ignore[no-untyped-def]
    (grant,) = [g for g in iam.grants if g.role == role and g.resource == resource]
    return grant.sources


def not_carried(iam) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {note.permission: note.google for note in iam.not_carried}


def test_titanic_role_maps_grant_by_grant(titanic: tuple[Path, Settings]) -> None:
    project, settings = titanic
    scan = scan_project(project)
    proposal = propose_iam(plan_from_scan(scan), settings, scan=scan)
    iam = proposal.plan.iam
    assert iam.source_role == ROLE_ARN
    assert iam.service_account == ACCOUNT
    assert proposal.plan.training.service_account == ACCOUNT
    assert grants(iam) == [
        # both channels read under titanic/, the prefix the role was scoped to
        (
            "roles/storage.objectViewer",
            "gs://acme-ml-datasets",
            "job",
            prefix_condition("acme-ml-datasets", "titanic/"),
        ),
        (
            "roles/storage.objectUser",
            "gs://acme-ml-datasets",
            "job",
            prefix_condition("acme-ml-datasets", "liftshift/"),
        ),
        ("roles/logging.logWriter", "project", "job", ""),
        ("roles/aiplatform.user", "project", "launcher", ""),
        ("roles/iam.serviceAccountUser", "service-account", "launcher", ""),
    ]
    viewer = sources(iam, "roles/storage.objectViewer", "gs://acme-ml-datasets")
    assert (
        "managed titanic-data-access/ReadTitanic: allows read on s3://acme-ml-datasets/titanic/"
        in viewer
    )
    assert any(line.startswith("channel train reads") for line in viewer)
    assert any(line.startswith("channel test reads") for line in viewer)
    writer = sources(iam, "roles/storage.objectUser", "gs://acme-ml-datasets")
    assert "SageMaker wrote s3://acme-ml-datasets/titanic/models" in writer
    assert (
        "managed titanic-data-access/WriteModels: allows write on "
        "s3://acme-ml-datasets/titanic/models/" in writer
    )
    assert sources(iam, "roles/logging.logWriter", "project") == [
        "inline training-extras/Logs: logs:CreateLogStream, logs:PutLogEvents"
    ]
    notes = not_carried(iam)
    assert notes["managed policy AmazonSageMakerFullAccess (broad)"].startswith("not copied")
    assert notes["denies read+write on s3://acme-ml-datasets/titanic/raw-pii/"].startswith(
        "inside a granted prefix"
    )
    assert notes["allows read on s3://acme-feature-store/"].startswith("no channel")
    kms = (
        "kms:Decrypt, kms:GenerateDataKey on "
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef"
    )
    assert notes[kms].startswith("CMEK")
    assert notes["ecr:GetAuthorizationToken, ecr:BatchGetImage on *"].startswith(
        "Artifact Registry"
    )
    assert notes["ec2:CreateNetworkInterface, ec2:DescribeSubnets on *"].startswith("network")
    assert notes["cloudwatch:PutMetricData on *"].startswith("Cloud Monitoring")
    assert 'condition {"StringEquals": {"cloudwatch:namespace": "titanic"}}' in notes
    # the managed policy was read at its default version (v2), not v1
    assert not any("old-bucket" in note.permission for note in iam.not_carried)
    # the broad managed policy's own S3 statements (buckets named *sagemaker*) are not copied
    assert not any("sagemaker" in g.resource.lower() for g in iam.grants)


def test_wildcards_bucket_wide_notaction_and_broad_statements(
    iam_server: Emulator, tmp_path: Path, titanic: tuple[Path, Settings]
) -> None:
    project, _ = titanic
    arn = create_role(
        iam_server,
        "wide-role",
        inline={
            "wide": {
                "Statement": [
                    {"Sid": "AnyAcme", "Effect": "Allow", "Action": "s3:Get*",
                     "Resource": "arn:aws:s3:::acme-*/*"},
                    {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    {"Sid": "AllBut", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                    {"Sid": "NoDelete", "Effect": "Deny", "NotAction": ["s3:GetObject"],
                     "Resource": "arn:aws:s3:::acme-ml-datasets/*"},
                ]
            }
        },
    )  # fmt: skip
    plan = plan_from_scan(scan_project(project))
    # the data moves to another bucket and prefix: the grant follows the channel mapping
    plan.data.channels[0].destination = "gs://acme-gcs/migrated/titanic/train/train.csv"
    plan.training.staging_bucket = "gs://acme-staging"
    proposal = propose_iam(plan, iam_settings(iam_server, tmp_path), role=arn)
    iam = proposal.plan.iam
    assert grants(iam)[:3] == [
        # the role reads whole buckets (acme-*): what lands in migrated/, and a whole bucket
        (
            "roles/storage.objectViewer",
            "gs://acme-gcs",
            "job",
            prefix_condition("acme-gcs", "migrated/"),
        ),
        ("roles/storage.objectViewer", "gs://acme-ml-datasets", "job", ""),
        (
            "roles/storage.objectUser",
            "gs://acme-staging",
            "job",
            prefix_condition("acme-staging", "liftshift/"),
        ),
    ]
    assert "inline wide/AnyAcme: allows read on s3://acme-*/" in sources(
        iam, "roles/storage.objectViewer", "gs://acme-gcs"
    )
    notes = not_carried(iam)
    assert notes["s3:* on * is broad; not copied"] == "not copied (broad)"
    assert notes["Allow with NotAction [iam:*] grants everything else; not copied"] == (
        "not copied (broad)"
    )
    assert "Deny with NotAction [s3:GetObject]" in notes


def test_prefix_narrower_than_the_channel_is_kept(
    iam_server: Emulator, tmp_path: Path, titanic: tuple[Path, Settings]
) -> None:
    project, _ = titanic
    arn = create_role(
        iam_server,
        "narrow-role",
        inline={
            "narrow": {
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": "arn:aws:s3:::acme-ml-datasets/titanic/train/2024/*"},
                ]
            }
        },
    )  # fmt: skip
    plan = plan_from_scan(scan_project(project))
    plan.data.channels = plan.data.channels[:1]
    plan.data.channels[0].source = "s3://acme-ml-datasets/titanic/train/"
    plan.data.channels[0].destination = "gs://acme-gcs/train/"
    iam = propose_iam(plan, iam_settings(iam_server, tmp_path), role=arn).plan.iam
    assert grants(iam)[0] == (
        "roles/storage.objectViewer",
        "gs://acme-gcs",
        "job",
        prefix_condition("acme-gcs", "train/2024/"),
    )


def test_without_aws_the_plan_alone_scopes_each_channel(titanic: tuple[Path, Settings]) -> None:
    project, settings = titanic
    scan = scan_project(project)
    proposal = propose_iam(plan_from_scan(scan), settings, scan=scan, use_aws=False)
    iam = proposal.plan.iam
    assert proposal.role is None
    assert grants(iam)[:3] == [
        (
            "roles/storage.objectViewer",
            "gs://acme-ml-datasets",
            "job",
            prefix_condition("acme-ml-datasets", "titanic/train/train.csv"),
        ),
        (
            "roles/storage.objectViewer",
            "gs://acme-ml-datasets",
            "job",
            prefix_condition("acme-ml-datasets", "titanic/test/test.csv"),
        ),
        (
            "roles/storage.objectUser",
            "gs://acme-ml-datasets",
            "job",
            prefix_condition("acme-ml-datasets", "liftshift/"),
        ),
    ]
    assert iam.not_carried[0].permission == f"role {ROLE_ARN} not read"


def test_unknown_role_is_one_line_and_falls_back_to_the_plan(
    titanic: tuple[Path, Settings],
) -> None:
    project, settings = titanic
    plan = plan_from_scan(scan_project(project))
    proposal = propose_iam(plan, settings, role="arn:aws:iam::123456789012:role/gone")
    assert proposal.role is None
    note = proposal.plan.iam.not_carried[0].permission
    assert note.startswith("could not read role 'gone': NoSuchEntity")
    assert "\n" not in note


def test_saved_section_round_trips_and_keeps_user_edits(titanic: tuple[Path, Settings]) -> None:
    project, settings = titanic
    scan = scan_project(project)
    plan = plan_from_scan(scan)
    save_iam(propose_iam(plan, settings, scan=scan).plan, project)
    loaded = load_plan(project)
    assert loaded.training.service_account == ACCOUNT
    assert len(loaded.iam.grants) == 5
    text = (project / "liftshift.toml").read_text(encoding="utf-8")
    assert "[[iam.grants]]" in text
    for secret in set(AWS_TEST_ENV.values()) - {"us-east-1"}:
        assert f'"{secret}"' not in text
    # the user names another account and a launcher; a rerun keeps both
    edited = text.replace(ACCOUNT, "ml-jobs@acme-ml.iam.gserviceaccount.com").replace(
        'launcher = ""', 'launcher = "user:ana@acme.example"'
    )
    (project / "liftshift.toml").write_text("# mine\n" + edited, encoding="utf-8")
    rerun = propose_iam(load_plan(project), settings, scan=scan).plan
    save_iam(rerun, project)
    again = load_plan(project)
    assert again.iam.service_account == "ml-jobs@acme-ml.iam.gserviceaccount.com"
    assert again.training.service_account == "ml-jobs@acme-ml.iam.gserviceaccount.com"
    assert again.iam.launcher == "user:ana@acme.example"
    assert dataclasses.asdict(again.iam)["grants"] == dataclasses.asdict(loaded.iam)["grants"]
    assert (project / "liftshift.toml").read_text(encoding="utf-8").startswith("# mine\n")


def test_role_comes_from_a_past_job_when_the_launcher_uses_get_execution_role() -> None:
    from liftshift.foundation.plan import Plan
    from liftshift.iam.planning import job_facts
    from liftshift.scan.project import Launcher, Location, PastJob, ProjectScan, Unresolved

    launcher = Launcher(
        Location("launch.py", 3),
        "SKLearn",
        role=Unresolved("sagemaker.get_execution_role()"),
        role_kind="execution-role",
        output_path="s3://b/out",
        checkpoint_s3_uri="s3://b/ckpt",
    )
    job = PastJob("job-1", role="arn:aws:iam::1:role/FromJob", output_path="s3://b/job-out")
    scan = ProjectScan(root="/p", launchers=[launcher], past_jobs=[job])
    facts = job_facts(scan, Plan())
    assert facts.role == "arn:aws:iam::1:role/FromJob"
    assert facts.outputs == ["s3://b/out", "s3://b/ckpt", "s3://b/job-out"]
    plan = Plan()
    plan.iam.source_role = "arn:aws:iam::1:role/Mine"
    assert job_facts(scan, plan).role == "arn:aws:iam::1:role/Mine"


def test_a_prefix_grant_under_a_bucket_wide_one_is_folded_into_it() -> None:
    from liftshift.foundation.plan import ChannelPlan, Plan
    from liftshift.iam.mapping import map_role
    from liftshift.iam.policies import statements
    from liftshift.iam.role import RoleDocuments

    role = RoleDocuments(
        arn="arn:aws:iam::1:role/r",
        name="r",
        statements=statements(
            {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::data/*"}]},
            "inline p",
        ),
    )  # fmt: skip
    plan = Plan()
    plan.data.channels = [
        ChannelPlan("train", "s3://data/train/", "gs://lake/train/"),
        # read nowhere in the role: scoped to its own prefix, but the bucket is already granted
        ChannelPlan("extra", "s3://elsewhere/x/", "gs://lake/x/"),
    ]
    iam = map_role(plan, gcp_project="p", name="proj", role=role)
    viewers = [g for g in iam.grants if g.role == "roles/storage.objectViewer"]
    assert [(g.resource, g.condition) for g in viewers] == [("gs://lake", "")]
    assert any(line.startswith("channel extra reads") for line in viewers[0].sources)
