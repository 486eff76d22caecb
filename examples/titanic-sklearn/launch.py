"""Launch the Titanic training job on SageMaker (run from a machine with AWS credentials)."""

import sagemaker
from sagemaker.sklearn.estimator import SKLearn

BUCKET = "acme-ml-datasets"
PREFIX = "titanic"
ROLE = "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000"

session = sagemaker.Session()

estimator = SKLearn(
    entry_point="train.py",
    source_dir=".",
    role=ROLE,
    instance_type="ml.m4.xlarge",
    instance_count=1,
    framework_version="1.2-1",
    py_version="py3",
    output_path=f"s3://{BUCKET}/{PREFIX}/models",
    base_job_name="titanic-rf",
    hyperparameters={
        "n-estimators": 200,
        "features": "Pclass Sex Age SibSp Parch Fare Embarked",
        "target": "Survived",
    },
    sagemaker_session=session,
)

estimator.fit(
    {
        "train": f"s3://{BUCKET}/{PREFIX}/train/train.csv",
        "test": f"s3://{BUCKET}/{PREFIX}/test/test.csv",
    }
)
