"""Synthetic liftshift corpus trainer: launcher in the parent folder, source_dir=src."""

from sagemaker.sklearn import SKLearn

estimator = SKLearn(
    entry_point="train.py",
    source_dir="src",
    role="arn:aws:iam::111122223333:role/SageMakerRole",
    instance_type="ml.m5.xlarge",
    framework_version="1.2-1",
    hyperparameters={"max_depth": 4},
)
estimator.fit({"train": "s3://corpus-bucket/launcher/train/"})
