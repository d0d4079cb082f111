"""The labelled corpora shipped with guanjia (bot/parsing/corpus/), by the job each one does.

- `train_*.jsonl`: what the model learns from (written by the team in many registers).
- `real_dev.jsonl`: real public text, labelled by the taxonomy; tunes the decision thresholds.
- `real_test.jsonl`: real public text from other pages; never trained or tuned on. It scores
  every figure the project reports and guards the nightly retraining.
Real rows keep their source (a web address) so anyone can check the label against the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.parsing.evaluation import load_corpus

CORPUS = Path(__file__).resolve().parent / "corpus"
REAL_DEV = CORPUS / "real_dev.jsonl"
REAL_TEST = CORPUS / "real_test.jsonl"


def training_files() -> list[Path]:
    return sorted(CORPUS.glob("train_*.jsonl"))


def bundled_training_rows() -> list[dict[str, Any]]:
    return [row for path in training_files() for row in load_corpus(path)]


def tuning_rows() -> list[dict[str, Any]]:
    return load_corpus(REAL_DEV) if REAL_DEV.exists() else []


def guard_rows() -> list[dict[str, Any]]:
    return load_corpus(REAL_TEST) if REAL_TEST.exists() else []
