"""Synthetic liftshift corpus trainer: another checkpoint copy."""

import os
print(os.environ["SM_CHANNEL_TRAIN"])
