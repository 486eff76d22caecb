# Source: https://github.com/aws/amazon-sagemaker-examples/blob/2d519b52c3a2c2361f2b87f0d3de46fd6c0232a5/archived/deep_demand_forecasting/lstnet/metrics.py
# License: Apache-2.0 (Copyright Amazon.com, Inc. or its affiliates); kept unchanged below for the liftshift test corpus.
from typing import Dict

import numpy as np
from gluonts.dataset.common import ListDataset


def rrse(agg_metrics: Dict[str, float], dataset: ListDataset) -> np.ndarray:
    return agg_metrics["RMSE"] / np.std(next(iter(dataset))["target"])
