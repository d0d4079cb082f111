"""Grouped k-fold cross-validation of the parser's statistical layer on the real training rows.

Usage: .venv/bin/python bench/parser_cv.py [--folds 5] [--seed 11] [--real-weight 2] [--c-category 12] ...
       (--help lists every knob; each is a field of bot/parsing/training.FitOptions)

Why: real_dev.jsonl holds ~230 reports, too few to choose between two training set-ups (one
message is 0.4 points of category accuracy), and real_test.jsonl is never used to choose. The
~3,400 real rows of the training corpus (every bot/parsing/corpus/train_real_*.jsonl, so rows
added later are picked up) are many more. Each fold holds out a fifth of them and trains on
the rest plus every written row (train_w*, train_team: they always stay in training), then
scores the parser (rules + that model) on the held-out rows with the same code as
`guanjia eval`. Rows are grouped by their `source` page: a fold is chosen from a hash of the
address (salted with --seed), so two sentences of one article never sit on both sides, and
adding rows does not reshuffle the pages already there. The decision thresholds are tuned
on real_dev.jsonl as `guanjia train` tunes them (--tune fold: on the training part's own
real rows instead, leaving dev out of the loop). real_test.jsonl is never read.

Prints per-fold figures, their mean, and the figures pooled over all held-out rows (the
steadier number: one score over ~2,100 reports). Deterministic for given options: the folds
come from a hash, and the solvers (lbfgs) have no randomness.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.corpus_files import CORPUS, tuning_rows  # noqa: E402
from bot.parsing.evaluation import Score, load_corpus, score  # noqa: E402
from bot.parsing.model import ParserModel  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from bot.parsing.training import (  # noqa: E402
    URGENT_RECALL,
    Example,
    FitOptions,
    examples,
    fit,
    tune_thresholds,
)
from config import load_config  # noqa: E402

FIGURES = (
    "detection_f1",
    "category_accuracy",
    "unit_accuracy",
    "urgent_precision",
    "urgent_recall",
    "multi_recall",
    "split_rate",
)
SHORT = {
    "detection_f1": "det F1",
    "category_accuracy": "category",
    "unit_accuracy": "unit",
    "urgent_precision": "urg P",
    "urgent_recall": "urg R",
    "multi_recall": "multi",
    "split_rate": "split",
}


def fold_of(row: dict[str, Any], folds: int, seed: int) -> int:
    """The fold of a row's page: a salted hash of its source address (its id if it has none)."""
    source = str(row.get("source") or row["id"])
    return int.from_bytes(hashlib.sha256(f"{seed}:{source}".encode()).digest()[:8], "big") % folds


def corpus(
    always: tuple[str, ...] = (), leave_out: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(real rows to fold, rows that always train): every train_real_*.jsonl but those in `always`
    (which always train) and `leave_out` (not read); every other train_*.jsonl always trains."""
    real, written = [], []
    for path in sorted(CORPUS.glob("train_*.jsonl")):
        if path.name in leave_out:
            continue
        folded = path.name.startswith("train_real_") and path.name not in always
        (real if folded else written).extend(load_corpus(path))
    return real, written


def rows_fingerprint(rows: list[dict[str, Any]]) -> str:
    """Text and labels of the training rows: a relabelled row must not reuse a kept model
    (training.corpus_digest, the model header's fingerprint, hashes the texts only)."""
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


def options_from(args: argparse.Namespace) -> FitOptions:
    o = FitOptions()
    changes: dict[str, Any] = {}
    for f in fields(FitOptions):
        value = getattr(args, f.name, None)
        if value is not None:
            changes[f.name] = tuple(value) if f.name == "ngram_sizes" else value
    return replace(o, **changes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11, help="salts the page hash that picks each fold")
    parser.add_argument("--only", type=int, nargs="*", help="run these folds only (0-based), e.g. for a quick look")
    parser.add_argument("--tune", choices=("dev", "fold"), default="dev", help="where thresholds are tuned")
    parser.add_argument("--urgent-recall", type=float, default=URGENT_RECALL)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--misses", help="also write the held-out misses, grouped by kind, to this JSON file")
    parser.add_argument(
        "--models",
        default=str(ROOT / "var" / "parser_cv"),
        help="keeps each fold's fitted model here (by options, rows with their labels, config and fitting code),"
        " so a change to the parser's decision is measured again without refitting; '' to keep nothing",
    )
    parser.add_argument(
        "--always-train", nargs="*", default=[], metavar="FILE",
        help="corpus files (names) that always train and are never held out: with --leave-out, whether new rows"
        " help is measured on the same held-out folds",
    )  # fmt: skip
    parser.add_argument("--leave-out", nargs="*", default=[], metavar="FILE", help="corpus files (names) not read")
    parser.add_argument("--c", type=float)
    parser.add_argument("--c-category", type=float)
    parser.add_argument("--c-urgent", type=float)
    parser.add_argument("--real-weight", type=float)
    parser.add_argument("--ngram-sizes", type=int, nargs="+")
    parser.add_argument("--min-documents", type=int)
    parser.add_argument("--blind", choices=("all", "written", "none"))
    parser.add_argument("--balanced", type=lambda s: s.lower() in ("1", "true", "yes"), help="true/false")


def run_fold(
    cfg: Any,
    rules: MessageParser,
    train_rows: list[dict[str, Any]],
    held: list[dict[str, Any]],
    dev: list[Example],
    options: FitOptions,
    tune: str,
    urgent_recall: float,
    keep: Path | None,
) -> Score:
    train = examples(rules, train_rows)
    if keep is not None and keep.exists():
        model = ParserModel.load(keep, categories=list(cfg.categories))
    else:
        model = fit(cfg, train, options)
        if keep is not None:
            model.save(keep)
    tuning = dev if tune == "dev" else [ex for ex in train if ex.real]
    model = replace(model, thresholds=tune_thresholds(model, tuning, urgent_recall))
    return score(held, MessageParser(cfg, model).parse)


def pooled(scores: list[Score]) -> dict[str, float]:
    total = Score()
    for s in scores:
        for name in ("detection", "urgent"):
            mine, theirs = getattr(total, name), getattr(s, name)
            mine.tp, mine.fp, mine.fn = mine.tp + theirs.tp, mine.fp + theirs.fp, mine.fn + theirs.fn
        for name in (
            "messages",
            "reports",
            "category_ok",
            "unit_ok",
            "located",
            "location_hit",
            "multi",
            "multi_ok",
            "single",
            "split",
        ):
            setattr(total, name, getattr(total, name) + getattr(s, name))
    return total.figures


def line(label: str, fig: dict[str, float], extra: str = "") -> str:
    return f"{label:<8}" + "  ".join(f"{SHORT[k]} {fig[k]:.3f}" for k in FIGURES) + extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    options = options_from(args)
    cfg = load_config()
    rules = MessageParser(cfg, word_edges=False)
    real, written = corpus(tuple(args.always_train), tuple(args.leave_out))
    dev = examples(rules, tuning_rows())
    print(f"options: {json.dumps(asdict(options))}  tune={args.tune} urgent_recall={args.urgent_recall}")
    print(f"{len(real)} real rows ({len({r.get('source') for r in real})} pages), {len(written)} written rows")
    # A kept model is reused only for the same rules (config) and the same fitting code.
    fingerprint = hashlib.sha256(cfg.model_dump_json().encode())
    for source in ("training.py", "features.py", "model.py"):
        fingerprint.update((ROOT / "bot" / "parsing" / source).read_bytes())
    code = fingerprint.hexdigest()
    scores: list[Score] = []
    for k in range(args.folds) if args.only is None else args.only:
        held = [r for r in real if fold_of(r, args.folds, args.seed) == k]
        kept = [r for r in real if fold_of(r, args.folds, args.seed) != k]
        started = time.perf_counter()
        keep = None
        if args.models:
            digest = hashlib.sha256(json.dumps([asdict(options), rows_fingerprint([*written, *kept]), code]).encode())
            keep = Path(args.models) / f"{digest.hexdigest()[:16]}-{k}.npz"
        result = run_fold(cfg, rules, [*written, *kept], held, dev, options, args.tune, args.urgent_recall, keep)
        scores.append(result)
        took = time.perf_counter() - started
        print(line(f"fold {k}", result.figures, f"  ({result.reports} reports, {took:.0f} s)"), flush=True)
    mean = {k: statistics.fmean(s.figures[k] for s in scores) for k in FIGURES}
    spread = {k: statistics.pstdev(s.figures[k] for s in scores) for k in FIGURES}
    print(line("mean", mean, "  (sd " + " ".join(f"{spread[k]:.3f}" for k in FIGURES) + ")"))
    total = pooled(scores)
    print(line("pooled", total))
    if args.misses:
        grouped: dict[str, list[str]] = {}
        for s in scores:
            for kind, rows in s.misses.items():
                grouped.setdefault(kind, []).extend(rows)
        Path(args.misses).write_text(json.dumps(grouped, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        out = {"options": asdict(options), "tune": args.tune, "urgent_recall": args.urgent_recall}
        out |= {"folds": [s.figures for s in scores], "mean": mean, "pooled": total}
        Path(args.json).write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
