"""Training rows whose label a model trained without them strongly disputes: places to review.

Usage: .venv/bin/python bench/label_crosscheck.py [--folds 4] [--out var/label_review.jsonl]

The training corpus is split into folds; a model fitted on the other folds reads each row.
A row is listed when that model is sure (≥ 0.9 either way) the row is or is not a report
against its label, or reads another category with ≥ 0.8. The model is often the one that is
wrong: the list is for a person to check against the taxonomy, never to relabel by itself.
Deterministic for a given --seed. Never reads the real dev or test splits.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.corpus_files import training_files  # noqa: E402
from bot.parsing.evaluation import load_corpus  # noqa: E402
from bot.parsing.learning import train_model  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "var" / "label_review.jsonl"))
    args = ap.parse_args()
    cfg = load_config()
    rows = [row | {"file": path.name} for path in training_files() for row in load_corpus(path)]
    random.Random(args.seed).shuffle(rows)
    flagged = []
    for fold in range(args.folds):
        held = rows[fold :: args.folds]
        model, _ = train_model(cfg, base=[r for i, r in enumerate(rows) if i % args.folds != fold])
        parser = MessageParser(cfg, model)
        for row in held:
            read = parser.signals(row["text"])
            if read is None:
                continue
            guess = model.predict(*read)
            report = bool(row["is_report"]) and bool(row["categories"])
            category, sure = guess.categories[0]
            disputed = report != (guess.report >= 0.5) and abs(guess.report - 0.5) > 0.4
            other = report and category != row["categories"][0] and sure >= 0.8
            if disputed or other:
                flagged.append(
                    {
                        "file": row["file"],
                        "id": row["id"],
                        "text": row["text"],
                        "label_is_report": report,
                        "label_categories": row["categories"],
                        "model_report": round(guess.report, 2),
                        "model_category": category,
                        "model_category_prob": round(sure, 2),
                    }
                )
        print(f"fold {fold + 1}/{args.folds}: {len(flagged)} rows flagged so far", flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in flagged), encoding="utf-8")
    print(f"{len(flagged)} of {len(rows)} training rows to review: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
