"""Is the original deterministic? When the two sides differ, verify runs the original a second
time with the same data, hyperparameters, Python and seeds: whatever differs between those two
runs is the trainer's own noise (a timestamp in a side file, an unseeded generator, a
non-deterministic kernel), not the migration's doing, and the verdict is judged on the rest.

Pure functions over what the runner collected; the runner starts the processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liftshift.verify import compare


@dataclass
class Stability:
    """What two runs of the original, with the same seeds, did not reproduce."""

    artifacts: list[str] = field(default_factory=list)
    """Model files whose bytes differ between the two runs, or that only one run wrote."""
    metrics: list[str] = field(default_factory=list)
    """Metrics whose values differ between the two runs (beyond ``rtol``)."""
    predictions: bool = False
    """The two runs' models predict differently (beyond ``rtol``) on the same rows."""
    predictions_diff: float | None = None
    predictions_compared: bool = False

    @property
    def deterministic(self) -> bool:
        return not (self.artifacts or self.metrics or self.predictions)

    def describe(self) -> str:
        """``model file(s) run-info.json, metric(s) nonce`` — what varied."""
        parts = []
        if self.artifacts:
            parts.append(f"model file(s) {', '.join(self.artifacts[:5])}")
        if self.metrics:
            parts.append(f"metric(s) {', '.join(self.metrics[:5])}")
        if self.predictions:
            diff = (
                ""
                if self.predictions_diff is None
                else f" (max |diff| {self.predictions_diff:.3g})"
            )
            parts.append(f"predictions{diff}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "deterministic": self.deterministic,
            "varying_artifacts": self.artifacts,
            "varying_metrics": self.metrics,
            "varying_predictions": self.predictions,
            "predictions_compared": self.predictions_compared,
        }


def measure(
    models: compare.ArtifactParity,
    metrics: tuple[dict[str, float], dict[str, float]],
    predictions: tuple[list[Any] | None, list[Any] | None],
    rtol: float,
) -> Stability:
    """What varies between two runs of the original: ``models`` compares their model folders
    (first run as "original", second as "migrated"); ``metrics`` and ``predictions`` are
    (first run's, second run's)."""
    stability = Stability()
    stability.artifacts = sorted({*models.differing, *models.only_original, *models.only_migrated})
    first_metrics, second_metrics = metrics
    first_predictions, second_predictions = predictions
    rows = compare.compare_metrics(first_metrics, second_metrics, rtol)
    stability.metrics = [row.name for row in rows if not row.ok]
    if first_predictions is not None and second_predictions is not None:
        stability.predictions_compared = True
        diff, _, ok = compare.compare_predictions(first_predictions, second_predictions, rtol)
        stability.predictions, stability.predictions_diff = not ok, diff
    return stability
