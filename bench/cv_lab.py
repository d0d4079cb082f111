"""Grouped-CV experiments on the parser's statistical layer, one head refitted at a time.

Usage: .venv/bin/python bench/cv_lab.py VARIANT [VARIANT...]   (names: VARIANTS below; `base` is
       what `guanjia train` fits)

Why: bench/parser_cv.py measures a FitOptions change by refitting all three heads (report,
category, urgent) on every fold, minutes a try on the shared 2 cores, and only for what the
shipped artifact can already hold. Here each head is fitted and kept on its own (var/cv_lab/,
keyed by the rows, config and parser code), so a category-head variant does not refit the other
two, an urgent-head variant takes seconds, and weightings the artifact cannot hold yet (another
length normalisation, idf, averaged heads) are measured before any product code changes.
Same folds (page hash, seed 11), rows, dev-tuned thresholds and scoring as parser_cv, so `base`
prints parser_cv's pooled figures to within a report or two (the heads are fitted apart). Each
line also gives urgent precision at recall 0.75 / 0.80 with the threshold set on the pooled
held-out rows themselves: how well the urgent score ranks, free of the dev threshold's swing
(dev has ~20 urgent reports).
Results are appended to var/cv_lab/results.jsonl. Not used by the product.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from parser_cv import corpus, fold_of, line, pooled, rows_fingerprint  # noqa: E402

from bot.parsing.corpus_files import tuning_rows  # noqa: E402
from bot.parsing.evaluation import score  # noqa: E402
from bot.parsing.features import RULE_FEATURES, ngrams, rule_vector  # noqa: E402
from bot.parsing.model import ParserModel  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from bot.parsing.training import Example, _without_rules, examples, tune_thresholds, urgent_score  # noqa: E402
from config import load_config  # noqa: E402

RESULTS = ROOT / "var" / "cv_lab" / "results.jsonl"


def _cache_dir() -> Path:
    """Kept examples and heads are valid for these rows (with labels), config and parser code."""
    real, written = corpus()
    h = hashlib.sha256(rows_fingerprint([*real, *written]).encode())
    h.update(load_config().model_dump_json().encode())
    for source in sorted((ROOT / "bot" / "parsing").glob("*.py")):
        h.update(source.read_bytes())
    return ROOT / "var" / "cv_lab" / h.hexdigest()[:16]


CACHE = _cache_dir()


@dataclass(frozen=True)
class Head:
    """How one head is fitted; the defaults are training.fit's."""

    c: float
    weighting: str = "sqrt"  # sqrt: binary/sqrt(n); idf: idf/sqrt(n); idf2: idf/sqrt(n) with idf^0.5
    real_weight: float = 2.0
    blind: str = "all"
    balanced: bool = True
    sizes: tuple[int, ...] = (1, 2, 3)
    min_documents: int = 2
    rule_scale: float = 1.0
    blind_weight: float = 1.0  # sample weight of the copies learnt without the rules (times real_weight)
    only_real: bool = False  # learn from the real rows alone
    norm: float = 0.5  # an n-gram's value is 1 / (number of known n-grams) ** norm


NEW = {"blind_weight": 1.0, "only_real": False, "norm": 0.5}  # fields left out of a head's key at their default
DEFAULT = {"report": Head(4.0), "category": Head(12.0), "urgent": Head(4.0)}


def fold_examples(
    rules: MessageParser, k: int, folds: int = 5, seed: int = 11
) -> tuple[list[Example], list[dict[str, Any]]]:
    """(training examples, held-out rows) of fold k, as parser_cv splits them."""
    path = CACHE / f"fold{k}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    real, written = corpus()
    held = [r for r in real if fold_of(r, folds, seed) == k]
    kept = [r for r in real if fold_of(r, folds, seed) != k]
    out = (examples(rules, [*written, *kept]), held)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def scaling(train: list[Example], vocabulary: dict[str, int], head: Head) -> np.ndarray:
    """Per n-gram factor: 1, or its idf (mean 1), or the idf's square root (mean 1)."""
    s = np.ones(len(vocabulary), dtype=np.float64)
    if head.weighting == "sqrt":
        return s
    df = np.zeros(len(vocabulary))
    for ex in train:
        for g in ngrams(ex.clean, head.sizes):
            if (i := vocabulary.get(g)) is not None:
                df[i] += 1
    idf = np.log((1 + len(train)) / (1 + df)) + 1
    if head.weighting == "idf":
        return idf / idf.mean()
    if head.weighting == "idf2":
        s = np.sqrt(idf)
        return s / s.mean()
    raise ValueError(head.weighting)


def design(
    train: list[Example], head: Head, categories: tuple[str, ...]
) -> tuple[Any, dict[str, int], np.ndarray, list[Example], int]:
    """training._matrix with the head's weighting: (x, vocabulary, scaling, rows, number seen with rules)."""
    from scipy import sparse

    df = Counter(g for ex in train for g in ngrams(ex.clean, head.sizes))
    words = sorted(g for g, n in df.items() if n >= head.min_documents)
    vocabulary = {w: i for i, w in enumerate(words)}
    s = scaling(train, vocabulary, head)
    blind = [_without_rules(ex) for ex in train if head.blind == "all" or (head.blind == "written" and not ex.real)]
    items = [*train, *blind]
    rows, cols, vals = [], [], []
    for r, ex in enumerate(items):
        idx = [i for g in ngrams(ex.clean, head.sizes) if (i := vocabulary.get(g)) is not None]
        for i in idx:
            rows.append(r)
            cols.append(i)
            vals.append(s[i] / len(idx) ** head.norm)
    grams = sparse.csr_matrix((vals, (rows, cols)), shape=(len(items), len(vocabulary)), dtype=np.float64)
    rule = np.array([rule_vector(ex.signals, categories) for ex in items], dtype=np.float64) * head.rule_scale
    x = sparse.hstack([grams, sparse.csr_matrix(rule)], format="csr")
    return x, vocabulary, s, items, len(train)


def held_reports(
    rules: MessageParser,
    held: list[dict[str, Any]],
    vocabulary: dict[str, int],
    head: Head,
    categories: tuple[str, ...],
) -> tuple[Any, list[str], np.ndarray]:
    """The held-out true reports as the category head reads them: (rows shaped like `design`'s,
    their cleaned texts, their first categories). Unweighted n-grams, as category_ceiling and
    word_vectors compare learners on the same inputs."""
    from scipy import sparse

    n = len(vocabulary)
    rows, texts, wanted = [], [], []
    for row in held:
        read = rules.signals(row["text"]) if row["is_report"] and row.get("categories") else None
        if read is None:
            continue
        found = [i for g in ngrams(read[0], head.sizes) if (i := vocabulary.get(g)) is not None]
        v = np.zeros(n + len(categories) + len(RULE_FEATURES))
        v[found] = 1 / len(found) ** 0.5 if found else 0.0
        v[n:] = rule_vector(read[1], categories)
        rows.append(v)
        texts.append(read[0])
        wanted.append(row["categories"][0])
    return sparse.csr_matrix(np.array(rows)), texts, np.array(wanted)


def fit_head(name: str, head: Head, k: int, train: list[Example], categories: tuple[str, ...]) -> dict[str, Any]:
    """Weights (over the vocabulary, already multiplied by the scaling) of one head."""
    from sklearn.linear_model import LogisticRegression

    fields = {f: v for f, v in asdict(head).items() if f not in NEW or v != NEW[f]}
    key = hashlib.sha256(json.dumps([name, fields, k]).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    if head.only_real:
        train = [ex for ex in train if ex.real]
    x, vocabulary, s, items, seen = design(train, head, categories)
    w = np.array([head.real_weight if ex.real else 1.0 for ex in items])
    w[seen:] *= head.blind_weight
    n = len(vocabulary)
    width = n + len(categories) + len(RULE_FEATURES)
    y_report = np.array([ex.is_report for ex in items])
    if name == "report":
        m = LogisticRegression(C=head.c, max_iter=2000).fit(x, y_report, sample_weight=w)
        coef, bias = m.coef_[0][:, None], m.intercept_[:1]
    elif name == "category":
        reports = np.flatnonzero(y_report)
        y = [items[i].category for i in reports]
        m = LogisticRegression(C=head.c, max_iter=3000, class_weight="balanced" if head.balanced else None)
        m.fit(x[reports], y, sample_weight=w[reports])
        coef = np.zeros((width, len(categories)))
        bias = np.full(len(categories), -30.0)
        for j, code in enumerate(m.classes_):
            coef[:, categories.index(code)] = m.coef_[j]
            bias[categories.index(code)] = m.intercept_[j]
    else:
        known = [i for i in np.flatnonzero(y_report) if items[i].urgent is not None]
        y = np.array([bool(items[i].urgent) for i in known])
        m = LogisticRegression(C=head.c, max_iter=2000, class_weight="balanced").fit(
            x[known], y, sample_weight=w[known]
        )
        coef, bias = m.coef_[0][:, None], m.intercept_[:1]
    coef = coef.copy()
    coef[:n] *= s[:, None]
    coef[n:] *= head.rule_scale
    out = {"vocabulary": vocabulary, "coef": coef, "bias": bias, "norm": head.norm}
    path.write_bytes(pickle.dumps(out))
    return out


def assemble(heads: dict[str, list[dict[str, Any]]], categories: tuple[str, ...]) -> ParserModel:
    """One ParserModel over the union of the heads' vocabularies; a list of fits is averaged."""
    words = sorted(set().union(*(h["vocabulary"] for fits in heads.values() for h in fits)))
    vocabulary = {w: i for i, w in enumerate(words)}
    n, r = len(words), len(categories) + len(RULE_FEATURES)
    weights = np.zeros((n + r, 2 + len(categories)), dtype=np.float32)
    bias = np.zeros(2 + len(categories), dtype=np.float32)
    norm = np.full(2 + len(categories), 0.5)
    cols = {
        "report": slice(0, 1),
        "category": slice(1, 1 + len(categories)),
        "urgent": slice(1 + len(categories), None),
    }
    for name, fits in heads.items():
        for h in fits:
            own, share = h["vocabulary"], 1.0 / len(fits)
            idx = np.array([vocabulary[w] for w in sorted(own, key=own.__getitem__)], dtype=np.int64)
            weights[idx, cols[name]] += share * h["coef"][: len(own)]
            weights[n:, cols[name]] += share * h["coef"][len(own) :]
            bias[cols[name]] += share * h["bias"]
            norm[cols[name]] = h.get("norm", 0.5)
    cls = ParserModel if (norm == 0.5).all() else LabModel
    model = cls(categories, vocabulary, weights[:n].astype(np.float16).astype(np.float32), weights[n:], bias)
    model.norm = norm
    return model


class LabModel(ParserModel):
    """A model whose heads scale the n-gram sum by their own power of the n-gram count
    (ParserModel: 0.5 for all). Set `norm` (one exponent per output column) after building."""

    norm: np.ndarray

    def logits(self, clean: str, signals: Any) -> np.ndarray:
        rows = list(self._index.ids(clean))
        z = self.bias.astype(np.float64).copy()
        if rows:
            z += self._weights.take(rows, axis=0).sum(axis=0) * float(len(rows)) ** -self.norm
        rv = np.array(rule_vector(signals, self.categories), dtype=np.float32)
        return z + rv @ self._weights[self._rules_at :]


def _list(h: Head | list[Head]) -> list[Head]:
    """A head's fits: a list is averaged (an ensemble of linear heads is one linear head)."""
    return h if isinstance(h, list) else [h]


def ranked_precision(pairs: list[tuple[float, bool]], wanted: int, recall: float) -> float:
    """Precision of the highest-scored messages that hold `recall` of the `wanted` urgent ones."""
    hits = 0
    for seen, (_, want) in enumerate(sorted(pairs, key=lambda p: -p[0]), 1):
        hits += want
        if hits >= recall * wanted:
            return hits / seen
    return 0.0


def run(label: str, heads: dict[str, Any], folds: int = 5) -> dict[str, float]:
    """Pooled held-out figures of the parser with `heads` (head name -> Head or list) over DEFAULT."""
    cfg = load_config()
    rules = MessageParser(cfg, word_edges=False)
    categories = tuple(cfg.categories)
    dev_path = CACHE / "dev.pkl"
    if dev_path.exists():
        dev = pickle.loads(dev_path.read_bytes())
    else:
        dev = examples(rules, tuning_rows())
        CACHE.mkdir(parents=True, exist_ok=True)
        dev_path.write_bytes(pickle.dumps(dev))
    scores, urgency, wanted = [], [], 0
    started = time.perf_counter()
    for k in range(folds):
        train, held = fold_examples(rules, k)
        chosen = {**DEFAULT, **heads}
        fitted = {name: [fit_head(name, h, k, train, categories) for h in _list(chosen[name])] for name in DEFAULT}
        model = assemble(fitted, categories)
        norm = model.norm
        model = replace(model, thresholds=tune_thresholds(model, dev))
        model.norm = norm
        parser = MessageParser(cfg, model)
        scores.append(score(held, parser.parse))
        for row in held:
            wanted += bool(row["urgent"])
            read = rules.signals(row["text"])
            if read is not None and parser.parse(row["text"]).is_report:
                urgency.append((urgent_score(model.predict(*read).urgent, read[1]), bool(row["urgent"])))
    total = pooled(scores)
    ranked = {f"urgent_p_at_r{r}": ranked_precision(urgency, wanted, r) for r in (0.75, 0.8)}
    extra = "  ranked urg P@R.75/.80 " + " ".join(f"{v:.3f}" for v in ranked.values())
    print(line("pooled", total, f"{extra}  {label}  ({time.perf_counter() - started:.0f} s)"), flush=True)
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"label": label, **{k: round(v, 4) for k, v in {**total, **ranked}.items()}}) + "\n")
    return total


# What was measured for issue 11 (the commit that added this file lists the figures).
VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "cat-idf": {"category": Head(12.0, "idf")},
    "cat-idf2": {"category": Head(12.0, "idf2")},
    "cat-rule0.5": {"category": Head(12.0, rule_scale=0.5)},
    "cat-rule2": {"category": Head(12.0, rule_scale=2.0)},
    "cat-bw0.5": {"category": Head(12.0, blind_weight=0.5)},
    "cat-n0.3": {"category": Head(12.0, norm=0.3)},
    "cat-n0.7": {"category": Head(12.0, norm=0.7)},
    "cat-n0.15": {"category": Head(12.0, norm=0.15)},
    "cat-n0.3-rule0.5": {"category": Head(12.0, norm=0.3, rule_scale=0.5)},
    "cat-mix-real": {"category": [Head(12.0), Head(12.0, only_real=True)]},
    "cat-mix-c4": {"category": [Head(12.0), Head(4.0)]},
    "urg-mix-real": {"urgent": [Head(4.0), Head(4.0, only_real=True)]},
    "urg-c1": {"urgent": Head(1.0)},
    "urg-c2": {"urgent": Head(2.0)},
    "urg-c8": {"urgent": Head(8.0)},
    "urg-c16": {"urgent": Head(16.0)},
    "urg-rw1": {"urgent": Head(4.0, real_weight=1.0)},
    "urg-rw8": {"urgent": Head(4.0, real_weight=8.0)},
    "urg-real": {"urgent": Head(4.0, only_real=True)},
    "urg-bw0.5": {"urgent": Head(4.0, blind_weight=0.5)},
    "urg-bw2": {"urgent": Head(4.0, blind_weight=2.0)},
    "urg-n0.3": {"urgent": Head(4.0, norm=0.3)},
    "urg-n1": {"urgent": Head(4.0, norm=1.0)},
    "urg-rule0.5": {"urgent": Head(4.0, rule_scale=0.5)},
    "urg-rule2": {"urgent": Head(4.0, rule_scale=2.0)},
    "urg-idf": {"urgent": Head(4.0, "idf")},
    "urg-rw4": {"urgent": Head(4.0, real_weight=4.0)},
    "urg-noblind": {"urgent": Head(4.0, blind="none")},
    "rep-n0.3": {"report": Head(4.0, norm=0.3)},
}


if __name__ == "__main__":
    unknown = [name for name in sys.argv[1:] if name not in VARIANTS]
    if unknown or len(sys.argv) < 2:
        sys.exit(f"variants: {' '.join(VARIANTS)}")
    for name in sys.argv[1:]:
        run(name, VARIANTS[name])
