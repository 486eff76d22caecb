"""Shared test configuration. Fixture modules live in tests/fixtures/ and register here."""

import compileall
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import liftshift

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


def pytest_configure(config: pytest.Config) -> None:
    """Compile liftshift's modules once, before the workers start. The suite starts hundreds
    of Python processes that import them (the CLI, job supervisors, verify's helpers); with
    ``PYTHONDONTWRITEBYTECODE`` set, as on the CI machine, none of them writes its bytecode,
    so each compiled the same modules again (~0.15 CPU-s a process). Python still reads
    bytecode that exists; ``compileall`` skips what is up to date (``workers=0``: on every core)."""
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        compileall.compile_dir(Path(liftshift.__file__).parent, quiet=1, workers=0)


@pytest.fixture(scope="session", autouse=True)
def shared_trainer_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One package/venv cache per test process (``LIFTSHIFT_CACHE_DIR``, what it is for):
    identical trainers (the examples, copied by many tests) build their sdist and install
    their venv once instead of once per test. A test that needs the project's own
    ``.liftshift/`` cache removes the variable from its subprocesses' environment."""
    cache = tmp_path_factory.mktemp("trainer-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIFTSHIFT_CACHE_DIR", str(cache))
        yield cache


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the real cloud run only when explicitly enabled; under pytest-xdist the
    slow tests are spread over the workers' shares, each share starting with its slow ones."""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    if workers > 1:
        items[:] = slow_first_in_every_share(items, workers)
    if os.environ.get("LIFTSHIFT_CLOUD_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="needs real cloud credentials; set LIFTSHIFT_CLOUD_TESTS=1")
    for item in items:
        if "cloud" in item.keywords:
            item.add_marker(skip)


def slow_first_in_every_share(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The collection reordered for pytest-xdist's worksteal scheduler, which hands each worker
    a contiguous share of it (in order, sizes as computed here), then lets an idle worker take
    the end of a busy worker's share. Each share gets every ``workers``-th group of slow tests
    at its start and fast tests after them, so the slow end-to-end tests run side by side from
    the start, and what is left at the end (or stolen) is short. In collection order they
    cluster (tests/run, tests/verify), and a 20 s test that started last kept one worker busy
    while the other waited. Slow tests that share a module-scoped fixture (one training that
    several tests assert on) form one group: split over two workers, each would train."""
    groups: dict[object, list[pytest.Item]] = {}
    for item in items:
        if item.get_closest_marker("slow"):
            groups.setdefault(shared_setup(item), []).append(item)
    slow_groups = list(groups.values())
    fast = [item for item in items if not item.get_closest_marker("slow")]
    ordered: list[pytest.Item] = []
    remaining, taken = len(items), 0
    for worker in range(workers):
        size = remaining // (workers - worker)
        remaining -= size
        share = [item for group in slow_groups[worker::workers] for item in group]
        more = max(0, size - len(share))
        ordered += share + fast[taken : taken + more]
        taken += more
    return ordered + fast[taken:]


def shared_setup(item: pytest.Item) -> object:
    """The module and module-scoped fixtures ``item`` uses, or the item itself when it uses
    none: tests with the same key run on one worker, so the fixture's setup runs once."""
    fixture_info = getattr(item, "_fixtureinfo", None)
    if fixture_info is None:
        return item
    shared = sorted(
        name
        for name, definitions in fixture_info.name2fixturedefs.items()
        if definitions and definitions[-1].scope in ("module", "package", "class")
    )
    return (item.path, tuple(shared)) if shared else item
