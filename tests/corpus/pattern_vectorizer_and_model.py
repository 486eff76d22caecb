import argparse
import os

import joblib
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
    args = parser.parse_args()
    frame = pd.read_csv(os.path.join(args.train, "reviews.csv"))
    vectorizer = TfidfVectorizer()
    features = vectorizer.fit_transform(frame["text"])
    classifier = LogisticRegression().fit(features, frame["label"])
    joblib.dump(vectorizer, os.path.join(args.model_dir, "vectorizer.pkl"))
    joblib.dump(classifier, os.path.join(args.model_dir, "classifier.pkl"))
    with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "classes.txt"), "w") as out:
        out.write(",".join(str(c) for c in classifier.classes_))
