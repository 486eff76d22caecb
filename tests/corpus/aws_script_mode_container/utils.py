# Source: https://github.com/aws/amazon-sagemaker-examples/blob/2d519b52c3a2c2361f2b87f0d3de46fd6c0232a5/archived/script-mode-container-2/notebook/source_dir/utils.py
# License: Apache-2.0 (Copyright Amazon.com, Inc. or its affiliates); kept unchanged below for the liftshift test corpus.
import os
from os import path


def save_model_artifacts(model_artifacts_path, net):
    if path.exists(model_artifacts_path):
        model_file = open(model_artifacts_path + "model.dummy", "w")
        model_file.write("Dummy model.")
        model_file.close()


def print_files_in_path(path):
    files = []
    # r=root, d=directories, f = files
    for r, d, f in os.walk(path):
        for file in f:
            files.append(os.path.join(r, file))

    for f in files:
        print(f)
