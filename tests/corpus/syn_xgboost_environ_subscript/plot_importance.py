"""Synthetic liftshift corpus trainer: a plotting script that reads the model dir."""

import os

import matplotlib.pyplot as plt
import xgboost as xgb

booster = xgb.Booster(model_file=os.path.join(os.environ.get("SM_MODEL_DIR", "."), "xgboost-model"))
xgb.plot_importance(booster)
plt.savefig("importance.png")
