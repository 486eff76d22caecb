"""Launch on SageMaker (needs AWS credentials)."""

from sagemaker.sklearn.estimator import SKLearn

estimator = SKLearn(
    entry_point="train.py",
    source_dir=".",
    role="arn:aws:iam::123456789012:role/SageMakerRole",
    instance_type="ml.m5.large",
    framework_version="1.2-1",
    hyperparameters={"C": 0.5},
)
estimator.fit({"train": "s3://acme-verify/optml/train"})
