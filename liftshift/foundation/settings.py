"""Where liftshift talks to: one typed settings object for every cloud client.

Emulators, the ``local`` target and the real clouds differ only in these settings (DESIGN.md
section 5). Values come from, in rising priority: defaults, the SDKs' own standard environment
variables, the plan file, and CLI flags. Secrets are never stored here: credentials stay in the
SDKs' own chains (AWS profile/env, Application Default Credentials).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

Target = Literal["local", "gcp"]
TARGETS: tuple[Target, ...] = ("local", "gcp")

LOCAL_DIRNAME = ".liftshift"
"""Per-project folder for liftshift's own state: backups, sync journal, local target storage."""


@dataclass(frozen=True)
class AwsSettings:
    """How to reach S3 (and SageMaker for ``scan --from-job``)."""

    endpoint_url: str | None = None
    """S3 endpoint (``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``): MinIO, moto, …"""
    sagemaker_endpoint_url: str | None = None
    """SageMaker endpoint (``AWS_ENDPOINT_URL_SAGEMAKER``, else ``AWS_ENDPOINT_URL``); kept
    apart so pointing S3 at another store does not send ``scan --from-job`` there too."""
    iam_endpoint_url: str | None = None
    """IAM endpoint (``AWS_ENDPOINT_URL_IAM``, else ``AWS_ENDPOINT_URL``), for reading the
    SageMaker execution role (``liftshift iam``)."""
    region: str | None = None
    profile: str | None = None
    path_style: bool = False


@dataclass(frozen=True)
class GcpSettings:
    """How to reach Google Cloud: storage, Vertex AI, Cloud Logging, Storage Transfer."""

    project: str | None = None
    region: str = "us-central1"
    storage_endpoint: str | None = None
    """Base URL of a GCS emulator (``STORAGE_EMULATOR_HOST``); None means the real service."""
    vertex_endpoint: str | None = None
    """``http://127.0.0.1:PORT`` of a fake Vertex server (REST) or ``host:port`` (gRPC)."""
    vertex_transport: Literal["grpc", "rest"] = "grpc"
    logging_endpoint: str | None = None
    transfer_endpoint: str | None = None
    iam_endpoint: str | None = None
    """``host:port`` of a fake IAM admin + Resource Manager gRPC server (``liftshift iam
    apply``); None means the real services."""
    cloudbuild_endpoint: str | None = None
    """``http://127.0.0.1:PORT`` of a fake Cloud Build (REST); None means the real service."""
    anonymous: bool = False
    """Use anonymous credentials (emulators and fakes); never for the real cloud."""
    api_retry_wait: float = 1.0
    """Seconds before retrying a read Google answered UNAVAILABLE; doubles each try
    (``LIFTSHIFT_API_RETRY_WAIT``)."""


@dataclass(frozen=True)
class Settings:
    target: Target = "local"
    project_dir: Path = field(default_factory=Path.cwd)
    local_root: Path | None = None
    """Root of the ``local`` target's storage; defaults to ``<project>/.liftshift/local``."""
    aws: AwsSettings = field(default_factory=AwsSettings)
    gcp: GcpSettings = field(default_factory=GcpSettings)
    poll_interval: float | None = None
    """Longest wait, in seconds, between two checks of a running job (``--poll-interval``,
    ``LIFTSHIFT_POLL_INTERVAL``, the plan's ``target.poll_interval``); None keeps each
    backend's backoff (Vertex: 2 s growing to 30 s while nothing changes)."""

    @property
    def state_dir(self) -> Path:
        """``<project>/.liftshift``: backups, journals, job records. Never committed."""
        return self.project_dir / LOCAL_DIRNAME

    @property
    def local_storage_root(self) -> Path:
        """Folder holding the local target's buckets: ``s3/<bucket>/…`` and ``gcs/<bucket>/…``."""
        return self.local_root if self.local_root is not None else self.state_dir / "local"

    def with_target(self, target: Target) -> Settings:
        return replace(self, target=target)

    @classmethod
    def from_env(
        cls,
        project_dir: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: object,
    ) -> Settings:
        """Settings that honour the SDKs' standard variables, so the CLI can be pointed at
        emulators or other S3-compatible stores without new flags."""
        env = os.environ if env is None else env
        storage = env.get("STORAGE_EMULATOR_HOST")
        if storage and "://" not in storage:
            storage = f"http://{storage}"
        aws = AwsSettings(
            endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL"),
            sagemaker_endpoint_url=(
                env.get("AWS_ENDPOINT_URL_SAGEMAKER") or env.get("AWS_ENDPOINT_URL")
            ),
            iam_endpoint_url=env.get("AWS_ENDPOINT_URL_IAM") or env.get("AWS_ENDPOINT_URL"),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            profile=env.get("AWS_PROFILE"),
            path_style=env.get("LIFTSHIFT_S3_PATH_STYLE", "") in {"1", "true", "yes"},
        )
        gcp = GcpSettings(
            project=env.get("GOOGLE_CLOUD_PROJECT") or env.get("CLOUDSDK_CORE_PROJECT"),
            region=env.get("GOOGLE_CLOUD_REGION", "us-central1"),
            storage_endpoint=storage,
            vertex_endpoint=env.get("LIFTSHIFT_VERTEX_ENDPOINT"),
            vertex_transport="rest" if env.get("LIFTSHIFT_VERTEX_TRANSPORT") == "rest" else "grpc",
            logging_endpoint=env.get("LIFTSHIFT_LOGGING_ENDPOINT"),
            transfer_endpoint=env.get("LIFTSHIFT_TRANSFER_ENDPOINT"),
            iam_endpoint=env.get("LIFTSHIFT_IAM_ENDPOINT"),
            cloudbuild_endpoint=env.get("LIFTSHIFT_CLOUDBUILD_ENDPOINT"),
            anonymous=bool(storage) and not env.get("GOOGLE_APPLICATION_CREDENTIALS"),
            api_retry_wait=_seconds(env, "LIFTSHIFT_API_RETRY_WAIT", 1.0),
        )
        local_root = env.get("LIFTSHIFT_LOCAL_ROOT")
        target = env.get("LIFTSHIFT_TARGET", "local")
        settings = cls(
            target="gcp" if target == "gcp" else "local",
            project_dir=Path(project_dir or Path.cwd()).resolve(),
            local_root=Path(local_root).resolve() if local_root else None,
            aws=aws,
            gcp=gcp,
            poll_interval=_seconds(env, "LIFTSHIFT_POLL_INTERVAL", None),
        )
        return replace(settings, **overrides) if overrides else settings  # type: ignore[arg-type]


MIN_POLL_INTERVAL = 0.01
"""Below this a poll loop only burns API quota."""


class SettingsError(ValueError):
    """A setting has a value liftshift cannot use; the message names it and the fix."""


def parse_seconds(value: object, where: str) -> float:
    """A wait in seconds (a poll interval, a retry wait) from the flag or variable ``where``."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= MIN_POLL_INTERVAL:
        raise SettingsError(f"{where}: {value!r} is not a number of seconds; give e.g. 10 or 0.5")
    return seconds


def _seconds(env: Mapping[str, str], name: str, default: float | None) -> float | None:
    value = env.get(name)
    return parse_seconds(value, name) if value else default
