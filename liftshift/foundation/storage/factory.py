"""Pick the adapter for a URI from settings: the only place that knows which is which.

Target ``local`` maps both schemes to folders under ``Settings.local_storage_root``; target
``gcp`` builds real SDK clients through :mod:`liftshift.foundation.clients` (which honours emulator
endpoints, so tests and the benchmark differ from production only in settings).

Building an SDK client costs real CPU (boto3 parses its service model: ~0.15 s), and a sync
opens the same two buckets twice (plan, then copy). So clients are kept per settings and per
the environment variables the SDKs read credentials from: both SDKs' clients are thread-safe,
and a changed credential variable or endpoint gets a fresh client.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from liftshift.foundation.settings import Settings
from liftshift.foundation.storage.base import AccessDenied, ObjectStore
from liftshift.foundation.storage.uri import StorageURI, parse_uri

_CREDENTIAL_ENV = ("AWS_", "BOTO", "GOOGLE_", "CLOUDSDK_", "STORAGE_EMULATOR")
_CACHE_SIZE = 8
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def _client(scheme: str, settings: Settings) -> Any:
    """The SDK client for ``scheme`` under ``settings``, built once per configuration."""
    from liftshift.foundation import clients

    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_CREDENTIAL_ENV)))
    key = (scheme, settings, env)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = (
                clients.s3_client(settings) if scheme == "s3" else clients.gcs_connection(settings)
            )
            if len(_clients) >= _CACHE_SIZE:
                _clients.pop(next(iter(_clients)))
            _clients[key] = client
    return client


def open_store(uri: StorageURI | str, settings: Settings) -> ObjectStore:
    """The :class:`ObjectStore` for the bucket of ``uri`` under ``settings``."""
    parsed = parse_uri(uri) if isinstance(uri, str) else uri
    if settings.target == "local":
        from liftshift.foundation.storage.local import LocalStore

        return LocalStore(settings.local_storage_root, parsed.scheme, parsed.bucket)
    from liftshift.foundation import clients

    if parsed.scheme == "s3":
        from liftshift.foundation.storage.s3 import S3Store

        return S3Store(_client("s3", settings), parsed.bucket)
    from liftshift.foundation.storage.gcs import GCSStore

    try:
        client = _client("gs", settings)
    except clients.CredentialsError as exc:
        raise AccessDenied(str(exc)) from exc
    return GCSStore(client, parsed.bucket, emulator=bool(settings.gcp.storage_endpoint))
