from sagemaker_training import environment

import joblib
from sklearn.svm import SVC

env = environment.Environment()
train_dir = env.channel_input_dirs["train"]
model_dir = env.model_dir
hps = env.hyperparameters

clf = SVC(C=float(hps.get("C", 1.0)))
joblib.dump(clf, model_dir + "/model.joblib")
