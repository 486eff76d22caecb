import json
import logging
import os

logging.basicConfig(level=int(os.environ.get("SM_LOG_LEVEL", logging.INFO)))

EPOCHS = int(os.environ.get("SM_HP_EPOCHS", 3))
LEARNING_RATE = float(os.environ["SM_HP_LEARNING-RATE"])
TRAINING_ENV = json.loads(os.environ["SM_TRAINING_ENV"])
NUM_CPUS = int(os.getenv("SM_NUM_CPUS"))
INSTANCE = os.environ.get("SM_CURRENT_INSTANCE_TYPE")
print(EPOCHS, LEARNING_RATE, TRAINING_ENV["job_name"], NUM_CPUS, INSTANCE)
