"""Shared test configuration. Fixture modules live in tests/fixtures/ and register here."""

import os

import pytest

collect_ignore = ["corpus"]
"""Code nobody here wrote, migrated by the corpus tests: its own test files are not ours to run."""

pytest_plugins: list[str] = [
    # one line per fixture module, e.g. "tests.fixtures.emulators"
    "tests.fixtures.emulators",
    "tests.fakes.vertex",
    "tests.fakes.gcp_iam",
    "tests.fakes.cloudbuild",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the real cloud run only when explicitly enabled."""
    if os.environ.get("LIFTSHIFT_CLOUD_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="needs real cloud credentials; set LIFTSHIFT_CLOUD_TESTS=1")
    for item in items:
        if "cloud" in item.keywords:
            item.add_marker(skip)
