"""Framework versions map to the nearest prebuilt Vertex images, and say when not exact."""

from __future__ import annotations

import pytest

from liftshift.foundation.catalog.containers import (
    NoPrebuiltContainer,
    prediction_container,
    training_container,
)


def test_exact_training_images_from_design() -> None:
    choice = training_container("sklearn", "1.0")
    assert choice.uri == "us-docker.pkg.dev/vertex-ai/training/sklearn-cpu.1-0:latest"
    assert choice.exact
    tf = training_container("tensorflow", "2.14", py_version="py310")
    assert tf.uri == "us-docker.pkg.dev/vertex-ai/training/tf-cpu.2-14.py310:latest"
    assert tf.exact and tf.note == ""


def test_exact_prediction_images_from_design() -> None:
    assert prediction_container("scikit-learn", "1.6").uri == (
        "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-6:latest"
    )
    assert prediction_container("xgboost", "2.1").uri.endswith("/xgboost-cpu.2-1:latest")
    assert prediction_container("tensorflow", "2.15").uri.endswith("/tf2-cpu.2-15:latest")
    assert prediction_container("pytorch", "2.4", gpu=True).uri.endswith("/pytorch-gpu.2-4:latest")


def test_nearest_prefers_newer_within_major_and_says_so() -> None:
    choice = prediction_container("sklearn", "1.1")
    assert choice.version == "1.2" and not choice.exact
    assert "nearest is 1.2" in choice.note
    training = training_container("sklearn", "1.4.2")
    assert training.version == "1.0" and not training.exact
    assert "1.4.2 has no prebuilt training image" in training.note


def test_newer_than_shipped_falls_back_to_newest() -> None:
    choice = prediction_container("tensorflow", "2.21")
    assert choice.version == "2.15" and not choice.exact


def test_gpu_images_only_where_they_exist() -> None:
    assert "/tf-gpu.2-15.py310:" in training_container("tf", "2.15", gpu=True).uri
    sk = training_container("sklearn", "1.0", gpu=True)
    assert "sklearn-cpu" in sk.uri and "CPU only" in sk.note


def test_prediction_note_names_the_artifact() -> None:
    assert "model.joblib" in prediction_container("sklearn", "1.6").note
    assert "SavedModel" in prediction_container("tensorflow", "2.15").note


def test_no_prebuilt_container_is_a_clear_error() -> None:
    with pytest.raises(NoPrebuiltContainer, match="custom container"):
        training_container("mxnet", "1.9")
    with pytest.raises(NoPrebuiltContainer, match="generic Estimator"):
        training_container("", "")


def test_missing_version_uses_newest_not_silently() -> None:
    choice = training_container("pytorch", "")
    assert choice.version == "2.4" and not choice.exact and "newest" in choice.note


def test_sagemaker_version_suffix_is_ignored() -> None:
    choice = prediction_container("sklearn", "1.2-1")
    assert choice.exact and choice.version == "1.2"
