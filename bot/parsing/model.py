"""The trained statistical layer: three linear heads over n-grams and the rules' evidence.

Heads: is it a report (logistic), which category (softmax over the taxonomy's codes), is it
urgent (logistic). They share one weight matrix, so a prediction is one gather-and-sum over
the message's known n-grams plus one small dot product: tens of microseconds, numpy only.
scikit-learn is needed to train (`bot/parsing/training.py`), never to predict.

The artifact is one compressed .npz: vocabulary, float16 weights, and a JSON header with the
category order, the rule-feature names and the decision thresholds tuned at training time.
A header that does not match this code (other features, other categories) is refused at
load, so a stale model can never be read with the wrong meaning.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.parsing.features import NGRAM_SIZES, RULE_FEATURES, NgramIndex, RuleSignals, rule_vector

FORMAT = 1
BUNDLED = Path(__file__).resolve().parent / "model" / "parser_model.npz"


class ModelError(Exception):
    """The model file is missing, unreadable or made for other features."""


@dataclass(frozen=True)
class Thresholds:
    report: float = 0.5  # P(report) at or above: a report
    near_miss: float = 0.2  # between this and `report`: kept as 疑似上报
    urgent: float = 0.5  # P(urgent) at or above: urgent even without an urgent word
    clause: float = 0.8  # a clause read alone names another category this surely: a 2nd problem


@dataclass(frozen=True)
class Prediction:
    report: float
    categories: tuple[tuple[str, float], ...]  # best first
    urgent: float

    @property
    def category(self) -> str:
        return self.categories[0][0]


@dataclass
class ParserModel:
    categories: tuple[str, ...]
    vocabulary: dict[str, int]
    ngram_weights: np.ndarray  # (V, 2 + C): report, categories..., urgent
    rule_weights: np.ndarray  # (R, 2 + C)
    bias: np.ndarray  # (2 + C,)
    thresholds: Thresholds = field(default_factory=Thresholds)
    info: dict[str, Any] = field(default_factory=dict)  # what it was trained on, and its scores

    def __post_init__(self) -> None:
        self._index = NgramIndex(self.vocabulary)
        # One matrix, n-gram rows then rule-feature rows, so a prediction is one gather and
        # one dot product: numpy's cost is per call, not per row.
        self._weights = np.ascontiguousarray(np.vstack([self.ngram_weights, self.rule_weights]), dtype=np.float32)
        self._rules_at = len(self.vocabulary)
        self.ngram_weights = self._weights[: self._rules_at]  # views: the weights are held once
        self.rule_weights = self._weights[self._rules_at :]

    # --- prediction -----------------------------------------------------------------------

    def logits(self, clean: str, signals: RuleSignals) -> np.ndarray:
        rows = list(self._index.ids(clean))
        scale = 1.0 / math.sqrt(len(rows)) if rows else 0.0
        values = [scale] * len(rows)
        for j, value in enumerate(rule_vector(signals, self.categories)):
            if value:
                rows.append(self._rules_at + j)
                values.append(value)
        if not rows:
            return self.bias.copy()
        return self.bias + np.dot(np.array(values, dtype=np.float32), self._weights.take(rows, axis=0))

    def predict(self, clean: str, signals: RuleSignals) -> Prediction:
        z = self.logits(clean, signals).tolist()
        cats = z[1:-1]
        top = max(cats)
        exps = [math.exp(v - top) for v in cats]
        total = sum(exps)
        best = sorted(range(len(exps)), key=exps.__getitem__, reverse=True)[:3]
        ranked = tuple((self.categories[i], exps[i] / total) for i in best)
        return Prediction(_sigmoid(z[0]), ranked, _sigmoid(z[-1]))

    # --- the file ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        header = {
            "format": FORMAT,
            "categories": list(self.categories),
            "rule_features": list(RULE_FEATURES),
            "ngram_sizes": list(NGRAM_SIZES),
            "thresholds": vars(self.thresholds),
            "info": self.info,
        }
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            header=np.array(json.dumps(header, ensure_ascii=False)),
            vocabulary=np.array("\n".join(words)),
            ngram_weights=self.ngram_weights.astype(np.float16),
            rule_weights=self.rule_weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )
        tmp.replace(path)  # a reader never sees half a file

    @classmethod
    def load(cls, path: Path, categories: Sequence[str] | None = None) -> ParserModel:
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                words = str(data["vocabulary"]).split("\n")
                ngram_weights = data["ngram_weights"].astype(np.float32)
                rule_weights = data["rule_weights"]
                bias = data["bias"]
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ModelError(f"cannot read parser model {path}: {exc}") from None
        if header.get("format") != FORMAT or header.get("rule_features") != list(RULE_FEATURES):
            raise ModelError(f"parser model {path} was made for other features; retrain with `guanjia train`")
        if header.get("ngram_sizes") != list(NGRAM_SIZES):
            raise ModelError(f"parser model {path} was made for other n-grams; retrain with `guanjia train`")
        cats = tuple(header["categories"])
        if categories is not None and set(cats) != set(categories):
            missing = sorted(set(categories) - set(cats))
            raise ModelError(
                f"parser model {path} knows other categories (missing: {', '.join(missing) or '-'});"
                " retrain with `guanjia train`"
            )
        return cls(
            categories=cats,
            vocabulary={w: i for i, w in enumerate(words)},
            ngram_weights=ngram_weights,
            rule_weights=rule_weights,
            bias=bias,
            thresholds=Thresholds(**header.get("thresholds", {})),
            info=header.get("info", {}),
        )


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
