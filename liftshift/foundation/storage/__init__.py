"""Object stores behind one port: S3 (boto3), GCS (google-cloud-storage), local folders.

Importing this package is cheap: adapters import their SDKs only when a store is opened.
"""

from liftshift.foundation.storage.base import (
    AccessDenied,
    BucketNotFound,
    ObjectInfo,
    ObjectStore,
    Readable,
    SizedReadable,
    StorageError,
    TransientError,
    UnsafeKey,
    Upload,
    list_shallow,
)
from liftshift.foundation.storage.factory import open_store
from liftshift.foundation.storage.uri import BadURI, StorageURI, parse_uri

__all__ = [
    "AccessDenied",
    "BadURI",
    "BucketNotFound",
    "ObjectInfo",
    "ObjectStore",
    "Readable",
    "SizedReadable",
    "StorageError",
    "StorageURI",
    "TransientError",
    "UnsafeKey",
    "Upload",
    "list_shallow",
    "open_store",
    "parse_uri",
]
