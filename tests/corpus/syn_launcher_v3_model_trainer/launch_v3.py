"""Synthetic liftshift corpus trainer: SDK v3 ModelTrainer launcher at the root."""

from sagemaker.modules.configs import Compute, InputData, SourceCode
from sagemaker.modules.train import ModelTrainer

trainer = ModelTrainer(
    training_image="763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.2.0-cpu-py310",
    source_code=SourceCode(source_dir="scripts", entry_script="train.py"),
    compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
    hyperparameters={"epochs": 2},
)
trainer.train(input_data_config=[InputData(channel_name="train", data_source="s3://corpus-bucket/v3/train/")])
