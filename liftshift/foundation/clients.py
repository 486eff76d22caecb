"""The one factory for every cloud client, built from
:class:`~liftshift.foundation.settings.Settings`.

Every SDK is imported inside the function that needs it: ``google.cloud.aiplatform`` alone takes
about two seconds to import and the app must paint in well under one. Tests and the ``local``
target point these same functions at emulators purely through settings.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from liftshift.foundation.settings import Settings

if TYPE_CHECKING:
    from google.cloud import storage

    from liftshift.foundation.storage.gcs import GCSConnection


T = TypeVar("T")


class CredentialsError(RuntimeError):
    """No usable credentials for a cloud. The message says which and how to provide them."""


KEY_FILE_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"
_KEY_TYPES = (
    "service_account",
    "authorized_user",
    "external_account",
    "impersonated_service_account",
)


def s3_client(settings: Settings, *, max_pool_connections: int = 32) -> Any:
    """An S3 client; honours endpoint, region, profile and path-style addressing.

    Built by botocore directly: a boto3 client is this same botocore client, but importing
    boto3 also imports s3transfer, ~70 ms of CPU every ``liftshift sync`` pays for nothing.
    """
    import botocore.session
    from botocore.config import Config

    session = botocore.session.Session()
    if settings.aws.profile:
        session.set_config_variable("profile", settings.aws.profile)
    session.set_config_variable("region", settings.aws.region or "us-east-1")
    config = Config(
        max_pool_connections=max_pool_connections,
        retries={"mode": "adaptive", "max_attempts": 8},
        s3={"addressing_style": "path" if settings.aws.path_style else "auto"},
        # S3 may hold CRC32C checksums; ask for them only when needed (ChecksumMode=ENABLED).
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.create_client("s3", endpoint_url=settings.aws.endpoint_url, config=config)


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

    key_file = os.environ.get(KEY_FILE_VARIABLE)
    if key_file:
        problem = key_file_problem(Path(key_file))
        if problem:
            raise CredentialsError(problem)
    try:
        credentials, _ = google.auth.default(
            scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
    except (DefaultCredentialsError, ValueError) as exc:
        if key_file:  # the file looked right but google-auth could not use it
            raise CredentialsError(
                f"{KEY_FILE_VARIABLE}={key_file}: google-auth cannot load this key file "
                f"({type(exc).__name__}); download a new JSON key for the service account, or "
                "unset the variable and run `gcloud auth application-default login`"
            ) from exc
        raise CredentialsError(
            "No Google Cloud credentials: run `gcloud auth application-default login` "
            f"or set {KEY_FILE_VARIABLE} to a service-account key file."
        ) from exc
    return credentials


def key_file_problem(path: Path) -> str | None:
    """What is wrong with the key file ``GOOGLE_APPLICATION_CREDENTIALS`` names, in one line
    (never its content), or None when it looks like a credentials file."""
    fix = (
        f"point {KEY_FILE_VARIABLE} at a JSON key file, or unset it and run "
        "`gcloud auth application-default login`"
    )
    where = f"{KEY_FILE_VARIABLE}={path}"
    if not path.exists():
        return f"{where}: no such file; {fix}"
    if path.is_dir():
        return f"{where}: is a folder, not a key file; {fix}"
    try:
        text = path.read_bytes()
    except OSError as exc:
        return f"{where}: cannot be read ({exc.strerror}); {fix}"
    try:
        data = json.loads(text)
    except ValueError:
        return f"{where}: is not JSON (a key file is a JSON document); {fix}"
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in _KEY_TYPES:
        return (
            f'{where}: not a credentials file (its "type" is {kind!r}, expected one of '
            f"{', '.join(_KEY_TYPES)}); {fix}"
        )
    return None


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


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def plaintext_grpc_endpoint(endpoint: str | None) -> bool:
    """True for a gRPC ``host:port`` on this machine (an emulator or fake): such endpoints are
    spoken to in plaintext, as the Storage Transfer fake is; every other gRPC endpoint uses TLS
    and the credentials."""
    if not endpoint or "://" in endpoint:
        return False
    host = endpoint.rsplit(":", 1)[0].strip("[]")
    return host in LOOPBACK_HOSTS


def vertex_client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``aiplatform.init`` and the gapic clients.

    The transport is always explicit (DESIGN.md section 6): ``rest`` with an
    ``http://127.0.0.1:PORT`` endpoint, or ``grpc`` (the default users get) with a
    ``host:port`` one; a loopback gRPC endpoint is reached in plaintext (see :func:`vertex_sdk`).
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
    _plaintext_vertex_channels(
        settings.gcp.vertex_endpoint if settings.gcp.vertex_transport == "grpc" else None
    )
    return aiplatform


def _plaintext_vertex_channels(endpoint: str | None) -> None:
    """Give the SDK's gRPC clients a plaintext channel to a loopback ``endpoint``, or undo it.

    ``aiplatform.init`` has no channel argument and always builds TLS channels; the SDK builds
    every client through ``global_config.create_client``, so that one call is wrapped to use
    client classes whose transport is a plaintext channel to the endpoint.
    """
    from google.cloud.aiplatform import initializer

    config = initializer.global_config
    config.__dict__.pop("create_client", None)
    if not plaintext_grpc_endpoint(endpoint):
        return
    assert endpoint is not None
    create_client = config.create_client

    def create_plaintext_client(*args: Any, **kwargs: Any) -> Any:
        if "client_class" in kwargs:
            kwargs["client_class"] = _plaintext_override(kwargs["client_class"], endpoint)
        else:
            args = (_plaintext_override(args[0], endpoint), *args[1:])
        return create_client(*args, **kwargs)

    config.create_client = create_plaintext_client


def _plaintext_override(override_class: Any, endpoint: str) -> Any:
    """The SDK's ``ClientWithOverride`` class with each gapic client on a plaintext channel."""
    version_map = tuple(
        (version, _plaintext_gapic(gapic_class, endpoint))
        for version, gapic_class in getattr(override_class, "_version_map", ())
    )
    if not version_map:
        return override_class
    return type(override_class.__name__, (override_class,), {"_version_map": version_map})


def _plaintext_gapic(gapic_class: Any, endpoint: str) -> Any:
    import grpc

    if "Async" in gapic_class.__name__:
        return gapic_class

    def plaintext_transport(**kwargs: Any) -> Any:
        return gapic_class.get_transport_class("grpc")(
            channel=grpc.insecure_channel(endpoint), client_info=kwargs.get("client_info")
        )

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("transport") in (None, "grpc"):
            kwargs["transport"] = plaintext_transport
        gapic_class.__init__(self, *args, **kwargs)

    return type(gapic_class.__name__, (gapic_class,), {"__init__": __init__})


def logging_client(settings: Settings) -> Any:
    """A google-cloud-logging client, for tailing a job's logs."""
    from google.api_core.client_options import ClientOptions
    from google.cloud import logging as cloud_logging

    options = (
        ClientOptions(api_endpoint=settings.gcp.logging_endpoint)
        if settings.gcp.logging_endpoint
        else None
    )
    client = cloud_logging.Client(
        project=settings.gcp.project,
        credentials=gcp_credentials(settings),
        client_options=options,
        # An ``http://`` endpoint (a local fake) speaks the JSON API; a ``host:port`` one gRPC.
        _use_grpc=_logging_grpc(settings.gcp.logging_endpoint),
    )
    if plaintext_grpc_endpoint(settings.gcp.logging_endpoint):
        client._logging_api = _plaintext_logging_api(client, settings.gcp.logging_endpoint)
    return client


def logging_tail_api(client: Any) -> Any | None:
    """The gapic Logging client under a :func:`logging_client`, for ``TailLogEntries``; None
    when the client speaks the JSON API (an ``http://`` endpoint), which has no live tail."""
    return getattr(client.logging_api, "_gapic_api", None)


def _plaintext_logging_api(client: Any, endpoint: str) -> Any:
    """``client``'s gRPC Logging API over a plaintext channel to a loopback ``endpoint``
    (google-cloud-logging has no channel argument of its own)."""
    import grpc
    from google.cloud.logging_v2 import _gapic
    from google.cloud.logging_v2.services.logging_service_v2 import LoggingServiceV2Client
    from google.cloud.logging_v2.services.logging_service_v2.transports import (
        LoggingServiceV2GrpcTransport,
    )

    channel = grpc.insecure_channel(endpoint)
    generated = LoggingServiceV2Client(transport=LoggingServiceV2GrpcTransport(channel=channel))
    return _gapic._LoggingAPI(generated, client)


def _logging_grpc(endpoint: str | None) -> bool | None:
    if not endpoint:
        return None
    return not endpoint.startswith(("http://", "https://"))


def _gapic_client(
    client_class: Any, transport_class: Any, endpoint: str | None, settings: Settings
) -> Any:
    """``client_class`` for ``endpoint``: a loopback one (a local fake) in plaintext through
    ``transport_class``; any other configured endpoint with TLS and the credentials; none, the
    library's default endpoint."""
    if plaintext_grpc_endpoint(endpoint):
        import grpc

        return client_class(transport=transport_class(channel=grpc.insecure_channel(endpoint)))
    from google.api_core.client_options import ClientOptions

    options = ClientOptions(api_endpoint=endpoint) if endpoint else ClientOptions()
    return client_class(credentials=gcp_credentials(settings), client_options=options)


def storage_transfer_client(settings: Settings) -> Any:
    """A Storage Transfer Service client (gRPC), for buckets too big for one machine."""
    from google.cloud import storage_transfer
    from google.cloud.storage_transfer_v1.services.storage_transfer_service.transports import (
        StorageTransferServiceGrpcTransport,
    )

    return _gapic_client(
        storage_transfer.StorageTransferServiceClient,
        StorageTransferServiceGrpcTransport,
        settings.gcp.transfer_endpoint,
        settings,
    )


def iam_admin_client(settings: Settings) -> Any:
    """The IAM admin API client (service accounts and their policies), gRPC: the library
    has no REST transport."""
    from google.cloud import iam_admin_v1
    from google.cloud.iam_admin_v1.services.iam.transports import IAMGrpcTransport

    return _gapic_client(
        iam_admin_v1.IAMClient, IAMGrpcTransport, settings.gcp.iam_endpoint, settings
    )


def projects_client(settings: Settings) -> Any:
    """The Resource Manager projects client, for the project IAM policy."""
    from google.cloud import resourcemanager_v3
    from google.cloud.resourcemanager_v3.services.projects.transports import (
        ProjectsGrpcTransport,
    )

    return _gapic_client(
        resourcemanager_v3.ProjectsClient,
        ProjectsGrpcTransport,
        settings.gcp.iam_endpoint,
        settings,
    )


# --- errors and retries of Google API calls, the same on gRPC and REST ----------------------

API_RETRY_ATTEMPTS = 4
"""Tries of an idempotent call (a read, a cancel) that Google answers UNAVAILABLE."""

_ERROR_FIXES = {
    400: "the request was refused as invalid; check the value it names in liftshift.toml",
    403: "check the account's roles: Vertex AI User, Storage Object Admin",
    404: "check the id or name and the region (--region, GOOGLE_CLOUD_REGION)",
    409: "it already exists or is being changed; wait and try again",
    429: "quota exceeded: request more in the console, wait, or use a smaller machine",
}
_REST_PREFIX = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) \S+: ")


def call_with_retries(settings: Settings, call: Callable[[], T]) -> T:
    """``call()``, tried again with a growing wait while Google answers UNAVAILABLE (the
    gapic Vertex clients retry nothing themselves). Only for idempotent calls: a create that
    timed out may have happened, so it is never repeated."""
    from google.api_core.exceptions import ServiceUnavailable

    wait = settings.gcp.api_retry_wait
    for attempt in range(1, API_RETRY_ATTEMPTS + 1):
        try:
            return call()
        except ServiceUnavailable as exc:
            if attempt == API_RETRY_ATTEMPTS:
                exc.liftshift_attempts = attempt  # type: ignore[attr-defined]
                raise
            time.sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def api_error_message(exc: BaseException, service: str = "Vertex AI") -> str:
    """The one line a user sees for a failed Google API call, with its fix.

    gRPC and REST raise different classes for the same status (``PermissionDenied`` or
    ``Forbidden``, ``DeadlineExceeded`` or ``GatewayTimeout``) and REST prefixes the message
    with the URL; both carry the HTTP status, so the line is the same on either transport.
    """
    from google.api_core.exceptions import GoogleAPICallError, RetryError
    from google.longrunning import operations_pb2

    if isinstance(exc, RetryError):
        cause = exc.cause
        if isinstance(cause, GoogleAPICallError):
            return api_error_message(cause, service)
        return f"{service} did not answer in time: {exc.message} (try again in a few minutes)"
    if not isinstance(exc, GoogleAPICallError):
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    message = _REST_PREFIX.sub("", (exc.message or "").strip()).splitlines()
    text = message[0] if message else type(exc).__name__
    code = int(exc.code or 0)
    if isinstance(exc.response, operations_pb2.Operation):
        fix = _ERROR_FIXES.get(code, "see the operation in the console")
        return f"{service} operation {exc.response.name} ended in an error: {text} ({fix})"
    if code == 503:
        tries = getattr(exc, "liftshift_attempts", 1)
        tried = f"tried {tries} times; " if tries > 1 else ""
        return (
            f"{service} is unavailable: {text} ({tried}try again in a few minutes; "
            "https://status.cloud.google.com)"
        )
    if code == 504:
        return (
            f"{service} did not answer in time: {text} (try again; a create that timed out may "
            "still have happened: check `liftshift jobs list --target gcp`)"
        )
    fix = _ERROR_FIXES.get(code)
    return f"{service} refused the request: {text}" + (f" ({fix})" if fix else "")
