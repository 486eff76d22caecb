"""The example SageMaker projects shipped with liftshift (``liftshift demo`` copies one).

In a source checkout they are the repository's ``examples/`` folder; a wheel carries them as
``liftshift/_examples`` (see ``tool.hatch.build.targets.wheel.force-include``).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_EXAMPLE = "titanic-sklearn"


def examples_dir() -> Path:
    package = Path(__file__).resolve().parents[1]  # liftshift/
    for candidate in (package / "_examples", package.parent / "examples"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the example projects are not installed with this copy of liftshift")


def available() -> list[str]:
    return sorted(p.name for p in examples_dir().iterdir() if p.is_dir() and p.name[0] not in "._")


def example_path(name: str) -> Path:
    path = examples_dir() / name
    if not path.is_dir():
        raise FileNotFoundError(
            f"no example named {name!r}; choose one of: {', '.join(available())}"
        )
    return path
