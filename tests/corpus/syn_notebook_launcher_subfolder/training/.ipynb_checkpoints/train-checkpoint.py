"""Synthetic liftshift corpus trainer: checkpoint copy."""

import os
print(os.environ["SM_MODEL_DIR"])
