"""What a SageMaker training job that already ran says (``liftshift scan --from-job NAME``).

For teams whose launcher notebook is lost or out of date, ``DescribeTrainingJob`` is the
truth about hyperparameters, channels and instances. It is merged into the scan, and where the
code and the job disagree the scan says so.
"""

from __future__ import annotations

import json
from typing import Any

from liftshift.foundation.secrets import REDACTED, is_secret_value
from liftshift.foundation.settings import Settings
from liftshift.scan.project import Channel, Finding, Location, PastJob, ProjectScan, Severity


class PastJobError(RuntimeError):
    """The job could not be read (unknown name, no access, no network)."""


def read_past_job(settings: Settings, name: str) -> PastJob:
    """Describe one training job through the client factory's SageMaker client."""
    from botocore.exceptions import BotoCoreError, ClientError

    from liftshift.foundation.clients import sagemaker_client

    try:
        response = sagemaker_client(settings).describe_training_job(TrainingJobName=name)
    except ClientError as exc:
        raise PastJobError(f"training job {name!r}: {exc.response['Error']['Message']}") from exc
    except BotoCoreError as exc:
        raise PastJobError(f"training job {name!r}: {exc}") from exc
    return past_job_from_description(response)


def past_job_from_description(response: dict[str, Any]) -> PastJob:
    """A :class:`PastJob` from a ``DescribeTrainingJob`` response."""
    hyperparameters = {
        key: REDACTED if is_secret_value(key, value) else _decode(value)
        for key, value in sorted((response.get("HyperParameters") or {}).items())
        if not key.startswith("sagemaker_")
    }
    channels = []
    for item in response.get("InputDataConfig") or []:
        source = item.get("DataSource", {})
        uri = source.get("S3DataSource", {}).get("S3Uri")
        if uri is None and "FileSystemDataSource" in source:
            fs = source["FileSystemDataSource"]
            uri = f"{fs.get('FileSystemType', 'fs').lower()}://{fs.get('FileSystemId', '')}"
            uri += fs.get("DirectoryPath", "")
        channels.append(
            Channel(
                name=item.get("ChannelName", ""),
                uri=uri,
                content_type=item.get("ContentType"),
                input_mode=item.get("InputMode"),
            )
        )
    resources = response.get("ResourceConfig") or {}
    algorithm = response.get("AlgorithmSpecification") or {}
    return PastJob(
        name=response.get("TrainingJobName", ""),
        hyperparameters=hyperparameters,
        channels=channels,
        instance_type=resources.get("InstanceType"),
        instance_count=resources.get("InstanceCount"),
        image=algorithm.get("TrainingImage"),
        role=response.get("RoleArn"),
        output_path=(response.get("OutputDataConfig") or {}).get("S3OutputPath"),
        status=response.get("TrainingJobStatus"),
    )


def _decode(value: str) -> Any:
    """The SDK JSON-encodes hyperparameter values (``'"Survived"'``, ``'200'``)."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def merge_past_job(scan: ProjectScan, job: PastJob) -> None:
    """Add ``job`` to the scan and report where it disagrees with the launchers in the code."""
    scan.past_jobs.append(job)
    where = Location(f"sagemaker-job:{job.name}")
    if not scan.launchers:
        scan.findings.append(
            Finding(
                "past-job-only",
                f"no launcher in the code; using training job {job.name!r} for instance type, "
                "hyperparameters and channels",
                Severity.INFO,
                where,
            )
        )
        return
    for launcher in scan.launchers:
        differences = []
        if job.instance_type and launcher.instance_type not in (None, job.instance_type):
            differences.append(f"instance type {launcher.instance_type} vs {job.instance_type}")
        code_channels = {channel.name: channel.uri for channel in launcher.channels}
        for channel in job.channels:
            if channel.name in code_channels and code_channels[channel.name] != channel.uri:
                differences.append(
                    f"channel {channel.name}: {code_channels[channel.name]} vs {channel.uri}"
                )
        for key, value in job.hyperparameters.items():
            if key in launcher.hyperparameters and launcher.hyperparameters[key] != value:
                differences.append(
                    f"hyperparameter {key}: {launcher.hyperparameters[key]!r} vs {value!r}"
                )
        if differences:
            scan.findings.append(
                Finding(
                    "past-job-differs",
                    f"code and training job {job.name!r} disagree: " + "; ".join(differences),
                    Severity.WARNING,
                    launcher.location,
                )
            )
