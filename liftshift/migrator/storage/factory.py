"""Pick the adapter for a URI from settings: the only place that knows which is which.

Target ``local`` maps both schemes to folders under ``Settings.local_storage_root``; target
``gcp`` builds real SDK clients through :mod:`liftshift.clients` (which honours emulator
endpoints, so tests and the benchmark differ from production only in settings).
"""

from __future__ import annotations

from liftshift.migrator.storage.base import AccessDenied, ObjectStore
from liftshift.migrator.storage.uri import StorageURI, parse_uri
from liftshift.settings import Settings


def open_store(uri: StorageURI | str, settings: Settings) -> ObjectStore:
    """The :class:`ObjectStore` for the bucket of ``uri`` under ``settings``."""
    parsed = parse_uri(uri) if isinstance(uri, str) else uri
    if settings.target == "local":
        from liftshift.migrator.storage.local import LocalStore

        return LocalStore(settings.local_storage_root, parsed.scheme, parsed.bucket)
    from liftshift import clients

    if parsed.scheme == "s3":
        from liftshift.migrator.storage.s3 import S3Store

        return S3Store(clients.s3_client(settings), parsed.bucket)
    from liftshift.migrator.storage.gcs import GCSStore

    try:
        client = clients.gcs_client(settings)
    except clients.CredentialsError as exc:
        raise AccessDenied(str(exc)) from exc
    return GCSStore(client, parsed.bucket, emulator=bool(settings.gcp.storage_endpoint))
