"""Training backends behind one protocol; :func:`get_backend` picks one from the settings."""

from __future__ import annotations

from liftshift.foundation.settings import Settings
from liftshift.trainer.backends.base import TrainingBackend


def get_backend(settings: Settings) -> TrainingBackend:
    """The local subprocess backend for the ``local`` target, Vertex AI for ``gcp``."""
    if settings.target == "gcp":
        from liftshift.trainer.backends.vertex import VertexBackend

        return VertexBackend(settings)
    from liftshift.trainer.backends.local import LocalBackend

    return LocalBackend(settings)


__all__ = ["TrainingBackend", "get_backend"]
