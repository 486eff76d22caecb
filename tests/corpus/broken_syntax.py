import os

def train(:
    model_dir = os.environ["SM_MODEL_DIR"]
