"""Synthetic liftshift corpus trainer: launcher elsewhere in the git repository."""

import sagemaker
from sagemaker.pytorch import PyTorch

session = sagemaker.Session()
estimator = PyTorch(
    entry_point="train.py",
    source_dir="../models/churn",
    role=sagemaker.get_execution_role(),
    framework_version="1.13",
    py_version="py39",
    instance_type="ml.g4dn.xlarge",
    instance_count=1,
)
estimator.fit({"training": "s3://corpus-bucket/churn/training/"})
