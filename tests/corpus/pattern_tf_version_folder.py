import os

import tensorflow as tf

model_dir = os.environ["SM_MODEL_DIR"]
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
model.save(model_dir + "/1")
tf.saved_model.save(model, f"{model_dir}/1")
tf.saved_model.save(model, os.path.join(model_dir, "000000001"))
tf.saved_model.save(model, "/opt/ml/model/1")
export_path = os.path.join(model_dir, "1")
tf.keras.models.save_model(model, export_path)
model.save("/opt/ml/model/weights.h5")
