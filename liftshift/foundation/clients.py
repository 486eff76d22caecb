"""The one factory for every cloud client, built from
:class:`~liftshift.foundation.settings.Settings`.

Every SDK is imported inside the function that needs it: ``google.cloud.aiplatform`` alone takes
about two seconds to import and the app must paint in well under one. Tests and the ``local``
target point these same functions at emulators purely through settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liftshift.foundation.settings import Settings

if TYPE_CHECKING:
    from google.cloud import storage

    from liftshift.foundation.storage.gcs import GCSConnection


class CredentialsError(RuntimeError):
    """No usable credentials for a cloud. The message says which and how to provide them."""


def s3_client(settings: Settings, *, max_pool_connections: int = 32) -> Any:
    """A boto3 S3 client; honours endpoint, region, profile and path-style addressing."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        profile_name=settings.aws.profile, region_name=settings.aws.region or "us-east-1"
    )
    config = Config(
        max_pool_connections=max_pool_connections,
        retries={"mode": "adaptive", "max_attempts": 8},
        s3={"addressing_style": "path" if settings.aws.path_style else "auto"},
        # S3 may hold CRC32C checksums; ask for them only when needed (ChecksumMode=ENABLED).
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=settings.aws.endpoint_url, config=config)


def sagemaker_client(settings: Settings) -> Any:
    """A boto3 SageMaker client, for reading past training jobs (``scan --from-job``)."""
    import boto3

    session = boto3.session.Session(
        profile_name=settings.aws.profile, region_name=settings.aws.region or "us-east-1"
    )
    return session.client("sagemaker", endpoint_url=settings.aws.sagemaker_endpoint_url)


def iam_client(settings: Settings) -> Any:
    """A boto3 IAM client, for reading the SageMaker execution role (``liftshift iam``)."""
    import boto3

    session = boto3.session.Session(
        profile_name=settings.aws.profile, region_name=settings.aws.region or "us-east-1"
    )
    return session.client("iam", endpoint_url=settings.aws.iam_endpoint_url)


def gcp_credentials(settings: Settings) -> Any:
    """Application Default Credentials, or anonymous ones for emulators and fakes."""
    if settings.gcp.anonymous:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _ = google.auth.default(
            scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
    except DefaultCredentialsError as exc:
        raise CredentialsError(
            "No Google Cloud credentials: run `gcloud auth application-default login` "
            "or set GOOGLE_APPLICATION_CREDENTIALS."
        ) from exc
    return credentials


def gcs_client(settings: Settings) -> storage.Client:
    """A google-cloud-storage client; an emulator endpoint comes from settings, not globals."""
    from google.api_core.client_options import ClientOptions
    from google.cloud import storage

    options = (
        ClientOptions(api_endpoint=settings.gcp.storage_endpoint)
        if settings.gcp.storage_endpoint
        else None
    )
    return storage.Client(
        project=settings.gcp.project or "liftshift-local",
        credentials=gcp_credentials(settings),
        client_options=options,
    )


def gcs_connection(settings: Settings) -> GCSConnection:
    """The light GCS path sync uses: an authorised session speaking the JSON API, without
    google-cloud-storage (its import and client construction cost every sync ~0.5 s CPU)."""
    from liftshift.foundation.storage.gcs import connect

    return connect(
        gcp_credentials(settings),
        endpoint=settings.gcp.storage_endpoint,
        project=settings.gcp.project or "liftshift-local",
    )


def vertex_client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``aiplatform.init`` and the gapic clients.

    The transport is always explicit: the high-level SDK works against a local fake only with
    ``api_transport="rest"`` and an ``http://127.0.0.1:PORT`` endpoint (DESIGN.md section 6).
    """
    options: dict[str, Any] = {
        "project": settings.gcp.project,
        "location": settings.gcp.region,
        "credentials": gcp_credentials(settings),
        "api_transport": settings.gcp.vertex_transport,
    }
    if settings.gcp.vertex_endpoint:
        options["api_endpoint"] = settings.gcp.vertex_endpoint
    return options


def vertex_sdk(settings: Settings) -> Any:
    """The ``google.cloud.aiplatform`` module, initialised for ``settings``.

    ``aiplatform.init`` sets process-wide defaults, so every Vertex adapter goes through here.
    The SDK's own INFO lines ("Creating CustomJob…") are raised to WARNING: liftshift reports
    progress itself and they would interleave with it.
    """
    import logging

    from google.cloud import aiplatform

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("google.cloud.aiplatform"):
            logging.getLogger(name).setLevel(logging.WARNING)
    aiplatform.init(**vertex_client_options(settings))
    return aiplatform


def logging_client(settings: Settings) -> Any:
    """A google-cloud-logging client, for tailing a job's logs."""
    from google.api_core.client_options import ClientOptions
    from google.cloud import logging as cloud_logging

    options = (
        ClientOptions(api_endpoint=settings.gcp.logging_endpoint)
        if settings.gcp.logging_endpoint
        else None
    )
    return cloud_logging.Client(
        project=settings.gcp.project,
        credentials=gcp_credentials(settings),
        client_options=options,
        # An ``http://`` endpoint (a local fake) speaks the JSON API; gRPC would need TLS there.
        _use_grpc=_logging_grpc(settings.gcp.logging_endpoint),
    )


def _logging_grpc(endpoint: str | None) -> bool | None:
    if not endpoint:
        return None
    return not endpoint.startswith(("http://", "https://"))


def storage_transfer_client(settings: Settings) -> Any:
    """A Storage Transfer Service client (gRPC), for buckets too big for one machine."""
    from google.api_core.client_options import ClientOptions
    from google.cloud import storage_transfer

    if settings.gcp.transfer_endpoint:
        import grpc
        from google.cloud.storage_transfer_v1.services.storage_transfer_service.transports import (
            StorageTransferServiceGrpcTransport,
        )

        channel = grpc.insecure_channel(settings.gcp.transfer_endpoint)
        return storage_transfer.StorageTransferServiceClient(
            transport=StorageTransferServiceGrpcTransport(channel=channel)
        )
    return storage_transfer.StorageTransferServiceClient(
        credentials=gcp_credentials(settings), client_options=ClientOptions()
    )


def iam_admin_client(settings: Settings) -> Any:
    """The IAM admin API client (service accounts and their policies), gRPC: the library
    has no REST transport. A configured endpoint (a local fake) is reached in plain text."""
    from google.cloud import iam_admin_v1

    if settings.gcp.iam_endpoint:
        import grpc
        from google.cloud.iam_admin_v1.services.iam.transports import IAMGrpcTransport

        channel = grpc.insecure_channel(settings.gcp.iam_endpoint)
        return iam_admin_v1.IAMClient(transport=IAMGrpcTransport(channel=channel))
    return iam_admin_v1.IAMClient(credentials=gcp_credentials(settings))


def projects_client(settings: Settings) -> Any:
    """The Resource Manager projects client, for the project IAM policy."""
    from google.cloud import resourcemanager_v3

    if settings.gcp.iam_endpoint:
        import grpc
        from google.cloud.resourcemanager_v3.services.projects.transports import (
            ProjectsGrpcTransport,
        )

        channel = grpc.insecure_channel(settings.gcp.iam_endpoint)
        return resourcemanager_v3.ProjectsClient(transport=ProjectsGrpcTransport(channel=channel))
    return resourcemanager_v3.ProjectsClient(credentials=gcp_credentials(settings))
