"""Fixtures for sync tests (helpers live in tests/sync/support.py)."""

from __future__ import annotations

import os

import pytest

from liftshift.foundation.settings import Settings


@pytest.fixture
def gcs_bucket(cloud_settings: Settings) -> str:
    from liftshift.foundation.clients import gcs_client

    gcs_client(cloud_settings).create_bucket("dst-bucket")
    return "dst-bucket"


@pytest.fixture(autouse=True)
def _no_ambient_cloud_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("LIFTSHIFT_") and name != "LIFTSHIFT_TRAINER_ENV":
            monkeypatch.delenv(name, raising=False)
