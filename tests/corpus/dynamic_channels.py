import json
import os

import pandas as pd

channels = json.loads(os.environ["SM_CHANNELS"])
frames = {}
for channel in channels:
    path = os.environ[f"SM_CHANNEL_{channel.upper()}"]
    frames[channel] = pd.concat(pd.read_csv(os.path.join(path, name)) for name in os.listdir(path))

key = "SM_CHANNEL_" + "TRAIN"
train_path = os.environ.get(key)
print({name: len(frame) for name, frame in frames.items()}, train_path)
