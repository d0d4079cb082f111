"""Does more real training text still lift the parser? Held-out figures against the share of real pages trained on.

Usage: .venv/bin/python bench/data_curve.py [--shares 0.25 0.5 0.75 1] [--folds 5] [--seed 11]

Why: issue 11 says data is the lever, and each session has added real rows (5,038 in
`train_real_*.jsonl` now). Whether the next thousand would help is read off this curve: on
bench/parser_cv.py's grouped folds (same page hash, seed, options and dev-tuned thresholds;
real dev and test never read), each fold's held-out real rows are scored by a model fitted on
the written rows plus a share of the fold's *training* pages (chosen by a second page hash, so
the 0.5 share holds the 0.25 share's pages and more). The held-out rows are the same for every
share, so the figures differ only by the training text. A curve still rising at 1.0 says
collect more; a flat one says the learner, not the data, is the limit.
Prints the pooled figures per share, and the category accuracy among the reports the parser
found (the category head alone, free of detection's trade-off).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from parser_cv import corpus, fold_of, line, pooled, run_fold  # noqa: E402

from bot.parsing.corpus_files import tuning_rows  # noqa: E402
from bot.parsing.evaluation import Score  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from bot.parsing.training import URGENT_RECALL, FitOptions, examples  # noqa: E402
from config import load_config  # noqa: E402


def page_rank(row: dict[str, Any]) -> float:
    """Where a row's page falls in [0, 1): a share s trains the pages below s."""
    source = str(row.get("source") or row["id"])
    return int.from_bytes(hashlib.sha256(f"share:{source}".encode()).digest()[:8], "big") / 2**64


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    cfg = load_config()
    rules = MessageParser(cfg, word_edges=False)
    real, written = corpus()
    dev = examples(rules, tuning_rows())
    options = FitOptions()
    print(f"{len(real)} real rows ({len({r.get('source') for r in real})} pages), {len(written)} written rows")
    for share in args.shares:
        started = time.perf_counter()
        scores: list[Score] = []
        trained = 0
        found = found_ok = 0
        for k in range(args.folds):
            held = [r for r in real if fold_of(r, args.folds, args.seed) == k]
            kept = [r for r in real if fold_of(r, args.folds, args.seed) != k and page_rank(r) < share]
            trained += len(kept)
            result = run_fold(cfg, rules, [*written, *kept], held, dev, options, "dev", URGENT_RECALL, None)
            scores.append(result)
            found += result.detection.tp
            found_ok += result.category_ok
        took = time.perf_counter() - started
        extra = f"  category|found {found_ok / found:.3f}  ({trained / args.folds:.0f} real rows a fold, {took:.0f} s)"
        print(line(f"{share:.2f}", pooled(scores), extra), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
