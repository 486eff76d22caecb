"""Framework + version → the nearest Vertex AI prebuilt training and prediction containers.

The image list is data (``data/containers.toml``). SageMaker projects pin framework versions
Vertex may not ship, so the choice says plainly when it is not exact: a model pickled with
scikit-learn 1.4 and served by 1.3 can fail to load, which a user must hear before, not after.
Nearest means: the oldest shipped version at or above the requested one within the same major
version (newer libraries read older artifacts), else the newest one below it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import tomli

TRAINING_REGISTRY = "us-docker.pkg.dev/vertex-ai/training"
PREDICTION_REGISTRY = "us-docker.pkg.dev/vertex-ai/prediction"

Purpose = Literal["training", "prediction"]


class NoPrebuiltContainer(ValueError):
    """No prebuilt image for this framework (a generic Estimator with its own image, MXNet…).
    The message says to give a container URI explicitly."""


@dataclass(frozen=True)
class ContainerChoice:
    uri: str
    framework: str
    version: str
    """The version of the chosen image (``1.0``), which may differ from the requested one."""
    exact: bool
    note: str = ""
    """Why it is not exact, or what the image expects; shown to the user."""


@dataclass(frozen=True)
class _Image:
    image: str
    gpu: bool
    versions: tuple[tuple[str, str], ...]
    """(version, python suffix) pairs, oldest first."""
    artifact: str = ""


@dataclass(frozen=True)
class _Table:
    aliases: dict[str, str]
    training: dict[str, _Image]
    prediction: dict[str, _Image]


@functools.cache
def _table() -> _Table:
    text = (
        resources.files("liftshift.foundation.catalog")
        .joinpath("data/containers.toml")
        .read_text("utf-8")
    )
    data = tomli.loads(text)

    def images(section: dict[str, Any]) -> dict[str, _Image]:
        out = {}
        for name, row in section.items():
            versions = tuple(
                (v["version"], v.get("py", "")) if isinstance(v, dict) else (v, "")
                for v in row["versions"]
            )
            out[name] = _Image(
                row["image"], bool(row["gpu"]), _sorted(versions), row.get("artifact", "")
            )
        return out

    return _Table(
        aliases=dict(data["aliases"]),
        training=images(data["training"]),
        prediction=images(data["prediction"]),
    )


def _sorted(versions: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(versions, key=lambda pair: _parse(pair[0])))


def _parse(version: str) -> tuple[int, int]:
    parts = [p for p in version.strip().lstrip("v").split(".") if p]
    try:
        major = int(parts[0])
        minor = int(re.match(r"\d*", parts[1]).group() or 0) if len(parts) > 1 else 0
    except (IndexError, ValueError):
        raise ValueError(f"not a framework version: {version!r}") from None
    return major, minor


def canonical_framework(framework: str) -> str:
    """``scikit-learn``/``SKLearn`` → ``sklearn``; raises :class:`NoPrebuiltContainer`."""
    key = framework.strip().lower().replace(" ", "")
    table = _table()
    if key not in table.aliases:
        shown = framework or "a generic Estimator"
        raise NoPrebuiltContainer(
            f"no Vertex AI prebuilt container for {shown}; build a custom container and set "
            "training.training_container (and model.prediction_container) in liftshift.toml"
        )
    return table.aliases[key]


def training_container(
    framework: str, version: str, *, gpu: bool = False, py_version: str | None = None
) -> ContainerChoice:
    """The prebuilt training image nearest to ``framework`` ``version``."""
    return _choose("training", framework, version, gpu=gpu, py_version=py_version)


def prediction_container(framework: str, version: str, *, gpu: bool = False) -> ContainerChoice:
    """The prebuilt prediction image nearest to ``framework`` ``version``; the note says which
    artifact file the image expects in the model directory."""
    return _choose("prediction", framework, version, gpu=gpu, py_version=None)


def supported_versions(purpose: Purpose, framework: str) -> list[str]:
    table = _table()
    images = table.training if purpose == "training" else table.prediction
    return [v for v, _ in images[canonical_framework(framework)].versions]


def _choose(
    purpose: Purpose, framework: str, version: str, *, gpu: bool, py_version: str | None
) -> ContainerChoice:
    name = canonical_framework(framework)
    table = _table()
    image = (table.training if purpose == "training" else table.prediction)[name]
    notes: list[str] = []
    if framework.strip().lower() == "huggingface":
        notes.append(
            "HuggingFace estimator: using the PyTorch image; add transformers to requirements.txt"
        )
    shipped = [v for v, _ in image.versions]
    if version:
        wanted = _parse(version)
        chosen = _nearest(wanted, image.versions)
        exact = _parse(chosen[0]) == wanted
        if not exact:
            notes.append(
                f"{name} {version} has no prebuilt {purpose} image; nearest is {chosen[0]} "
                f"(shipped: {', '.join(shipped)})"
            )
    else:
        chosen = image.versions[-1]
        exact = False
        notes.append(f"no {name} version given; using the newest, {chosen[0]}")
    device = "gpu" if gpu and image.gpu else "cpu"
    if gpu and not image.gpu:
        notes.append(f"{name} {purpose} images are CPU only")
    tag = chosen[0].replace(".", "-")
    if purpose == "training":
        suffix = f".{chosen[1]}" if chosen[1] else ""
        uri = f"{TRAINING_REGISTRY}/{image.image}-{device}.{tag}{suffix}:latest"
        want_py = (py_version or "").strip().lower()
        if chosen[1] and want_py not in ("", "py3", chosen[1]):
            notes.append(f"image runs Python {_pretty_py(chosen[1])}, the project asked {want_py}")
    else:
        uri = f"{PREDICTION_REGISTRY}/{image.image}-{device}.{tag}:latest"
        if image.artifact:
            notes.append(f"expects {image.artifact} in the model directory")
    return ContainerChoice(uri, name, chosen[0], exact, "; ".join(notes))


def _nearest(wanted: tuple[int, int], versions: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    parsed = [(_parse(v), (v, py)) for v, py in versions]
    for key, pair in parsed:
        if key == wanted:
            return pair
    same_major_above = [pair for key, pair in parsed if key[0] == wanted[0] and key > wanted]
    if same_major_above:
        return same_major_above[0]
    below = [pair for key, pair in parsed if key < wanted]
    if below:
        return below[-1]
    return parsed[0][1]


def _pretty_py(suffix: str) -> str:
    digits = suffix.removeprefix("py")
    return f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits
