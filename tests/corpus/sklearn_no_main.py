# No __main__ guard and hard-coded container paths: the script runs top to bottom.
import os
import pickle

import pandas as pd
from sklearn.linear_model import LogisticRegression

prefix = '/opt/ml/'
input_path = '/opt/ml/input/data/training'
output_path = '/opt/ml/output'
model_path = '/opt/ml/model'
param_path = '/opt/ml/input/config/hyperparameters.json'

files = [os.path.join(input_path, f) for f in os.listdir(input_path)]
frame = pd.concat([pd.read_csv(f, header=None) for f in files])
clf = LogisticRegression(max_iter=200).fit(frame.iloc[:, 1:], frame.iloc[:, 0])

with open(os.path.join(model_path, 'logreg-model.pkl'), 'wb') as out:
    pickle.dump(clf, out)

with open(os.path.join(output_path, 'success'), 'w') as s:
    s.write('done')
