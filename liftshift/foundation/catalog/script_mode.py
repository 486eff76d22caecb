"""What SageMaker's pre-2019 framework containers ("legacy script mode") called in a user
module, instead of running it as a script. The scanner recognises such a module as an entry
point; the ``legacy`` codemod gives it the ``__main__`` those containers stood in for."""

from __future__ import annotations

LEGACY_TRAIN_ARGUMENTS = frozenset(
    {
        "hyperparameters",
        "channel_input_dirs",
        "model_dir",
        "output_data_dir",
        "num_gpus",
        "num_cpus",
        "hosts",
        "current_host",
    }
)
"""Parameters the legacy containers passed to a module's ``train(...)``."""
LEGACY_TENSORFLOW_FUNCTIONS = frozenset(
    {"estimator_fn", "keras_model_fn", "train_input_fn", "eval_input_fn"}
)
"""Functions the legacy TensorFlow container called."""
