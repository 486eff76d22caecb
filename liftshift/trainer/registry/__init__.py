"""The model registry behind one protocol; :func:`get_registry` picks one from the settings."""

from __future__ import annotations

from liftshift.foundation.settings import Settings
from liftshift.trainer.registry.base import ModelRegistry, ModelVersion


def get_registry(settings: Settings) -> ModelRegistry:
    """Versions on disk for the ``local`` target, the Vertex AI Model Registry for ``gcp``."""
    if settings.target == "gcp":
        from liftshift.trainer.registry.vertex import VertexRegistry

        return VertexRegistry(settings)
    from liftshift.trainer.registry.local import LocalRegistry

    return LocalRegistry(settings)


__all__ = ["ModelRegistry", "ModelVersion", "get_registry"]
