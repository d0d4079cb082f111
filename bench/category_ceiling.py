"""How far other learners get on the category head: is the linear model the limit, or the data?

Usage: .venv/bin/python bench/category_ceiling.py [--mlp-hidden 64] [--mlp-epochs 20]

On bench/parser_cv.py's grouped folds (page hash, seed 11; written rows always train; real dev
and test never read), every learner sees the same inputs as the shipped category head (the
message's character n-grams and the rules' scores, bench/cv_lab.py `design`) and is scored on
the held-out real reports' first category, given that they are reports (so detection does not
blur the comparison). Prints pooled accuracy of:
- `linear`: the shipped head's logistic regression (C 12, balanced classes, real rows twice);
- `mlp`: a one-hidden-layer network (scikit-learn), and `linear+mlp` (their mean probability);
- `linear+knn`: the linear head's probabilities mixed half and half with a vote of the 10 most
  similar training reports (cosine over idf-weighted n-grams);
then the linear head's recall per category and its most frequent confusions.
Issue 11, session 5: linear 0.813, mlp 0.815, linear+mlp 0.819, linear+knn 0.821 over 3,017
held-out reports; storefront is read right 0.38 of the time, other 0.71, piles 0.73.
Not used by the product.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cv_lab import Head, design, fold_examples, held_reports  # noqa: E402

from bot.parsing.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mlp-hidden", type=int, default=64)
    parser.add_argument("--mlp-epochs", type=int, default=20)
    parser.add_argument("--neighbours", type=int, default=10)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import normalize

    warnings.filterwarnings("ignore")  # the MLP's convergence warnings at a fixed epoch count
    cfg = load_config()
    rules = MessageParser(cfg, word_edges=False)
    categories = tuple(cfg.categories)
    head = Head(12.0)
    right: Counter[str] = Counter()
    per_category: Counter[str] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    total = 0
    for k in range(5):
        train, held = fold_examples(rules, k)
        x, vocabulary, _, items, seen = design(train, head, categories)
        n = len(vocabulary)
        weight = np.array([2.0 if ex.real else 1.0 for ex in items])
        reports = np.flatnonzero([ex.is_report for ex in items])
        y = np.array([items[i].category for i in reports])
        share = Counter(y)
        balanced = np.array([len(y) / (len(share) * share[c]) for c in y])
        hx, _, want = held_reports(rules, held, vocabulary, head, categories)
        linear = LogisticRegression(C=head.c, max_iter=3000, class_weight="balanced")
        linear.fit(x[reports], y, sample_weight=weight[reports])
        classes = linear.classes_
        p_linear = linear.predict_proba(hx)
        mlp = MLPClassifier((args.mlp_hidden,), max_iter=args.mlp_epochs, batch_size=256, random_state=0)
        mlp.fit(x[reports], y, sample_weight=weight[reports] * balanced)
        p_mlp = mlp.predict_proba(hx)
        # Neighbours: the training reports as written (not their copies without the rules).
        own = reports[reports < seen]
        grams = x[own][:, :n].copy()
        grams.data[:] = 1
        idf = np.log((1 + len(own)) / (1 + np.asarray(grams.sum(0)).ravel())) + 1
        grams = normalize(grams.multiply(idf[None, :]).tocsr())
        probe = hx[:, :n].copy()
        probe.data[:] = 1
        similar = (normalize(probe.multiply(idf[None, :]).tocsr()) @ grams.T).toarray()
        own_class = np.searchsorted(classes, np.array([items[i].category for i in own]))
        p_knn = np.zeros_like(p_linear)
        for i, row in enumerate(similar):
            for j in np.argsort(-row)[: args.neighbours]:
                p_knn[i, own_class[j]] += row[j]
        p_knn /= np.maximum(p_knn.sum(1, keepdims=True), 1e-9)
        for name, p in (
            ("linear", p_linear),
            ("mlp", p_mlp),
            ("linear+mlp", p_linear + p_mlp),
            ("linear+knn", 0.5 * p_linear + 0.5 * p_knn),
        ):
            right[name] += int((classes[p.argmax(1)] == want).sum())
        for w, g in zip(want, classes[p_linear.argmax(1)], strict=True):
            per_category[w] += 1
            if w != g:
                missed[(w, g)] += 1
        total += len(want)
        print(f"fold {k}: {len(want)} held-out reports", flush=True)
    print(f"pooled over {total} held-out real reports (category given it is a report):")
    for name, hits in right.items():
        print(f"  {name:<11} {hits / total:.3f}")
    print("linear head, recall per category (reports, missed):")
    misses = Counter({w: sum(v for (a, _), v in missed.items() if a == w) for w in per_category})
    for code, count in sorted(per_category.items(), key=lambda kv: -misses[kv[0]]):
        print(f"  {code:<17} {1 - misses[code] / count:.3f}  ({count}, {misses[code]})")
    print("most frequent confusions (wanted -> read):")
    for (w, g), count in missed.most_common(15):
        print(f"  {w} -> {g}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
