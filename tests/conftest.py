"""Shared test configuration. Fixture modules live in tests/fixtures/ and register here."""

import os

import pytest

TRAINER_ENV_PIN = ("LIFTSHIFT_TRAINER_ENV", "inherit")
"""Local training in the tests reuses liftshift's own libraries: fast, and no package index
needed. tests/trainer/test_isolated_env.py proves the default (``isolated``) offline, and
fixtures that strip ``LIFTSHIFT_*`` variables put this one back."""
os.environ[TRAINER_ENV_PIN[0]] = TRAINER_ENV_PIN[1]

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
