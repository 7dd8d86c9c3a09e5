"""Gradient-boosted-tree baseline for `npm run bench:model`.

Reads one JSON file (features and labels of the train/validation/test splits, made by the Node
side with the model's own feature encoder and split), fits scikit-learn's
HistGradientBoostingClassifier with balanced class weights, picks the number of boosting rounds
on validation macro-F1, and prints the validation and test class probabilities as JSON.
Needs Debian's python3-sklearn: run with /usr/bin/python3.
"""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score


def probs(m, xs):
    p = np.zeros((xs.shape[0], 3))
    p[:, m.classes_] = m.predict_proba(xs)
    return p.ravel().tolist()


def main(path):
    with open(path) as fh:
        d = json.load(fh)
    f = d["features"]
    x = {k: np.asarray(d["x" + k], dtype=np.float32).reshape(-1, f) for k in ("Train", "Val", "Test")}
    y = {k: np.asarray(d["y" + k], dtype=np.int64) for k in ("Train", "Val")}
    # one model grown with warm_start: rounds 100, 200, 400 are checkpoints of the same boosting run
    model = HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=100, max_leaf_nodes=31, min_samples_leaf=10,
        l2_regularization=1.0, class_weight="balanced", early_stopping=False, random_state=d["seed"], warm_start=True,
    )
    best = None
    for rounds in (100, 200, 400):
        model.set_params(max_iter=rounds)
        model.fit(x["Train"], y["Train"])
        score = f1_score(y["Val"], model.predict(x["Val"]), average="macro", labels=[0, 1, 2], zero_division=0)
        if best is None or score > best[0] + 1e-9:
            best = (score, rounds, probs(model, x["Val"]), probs(model, x["Test"]))
    _, rounds, val, test = best
    json.dump({"rounds": rounds, "val": val, "test": test}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
