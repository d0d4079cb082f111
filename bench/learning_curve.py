"""Learning curve: accuracy on the fixed real-text test split after N examples from the ledger.

Usage: .venv/bin/python bench/learning_curve.py [--points 0,100,500,2000] [--seed 7]

A district's ledger fills with labelled messages as the office settles them. Here the ledger
is an SQLite database under a temporary folder: the examples are written as LabelledExample
rows (what a settled 疑似上报 writes) and read back by the same code the nightly job uses
(bot/parsing/learning.py: ledger_rows, train_model). The base model is trained on the shipped corpus
less a held-back pool; the pool stands in for what offices settle: first the real public
messages of the training corpus (train_real_*.jsonl, written by citizens, not by us), then
held-back written messages when more are needed. Each point is scored on real_test.jsonl,
which no model ever trains or tunes on. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from bot.core.db import make_engine  # noqa: E402
from bot.core.migrations import upgrade_to_head  # noqa: E402
from bot.parsing.corpus_files import guard_rows, training_files  # noqa: E402
from bot.parsing.evaluation import load_corpus, score  # noqa: E402
from bot.parsing.learning import ledger_rows, train_model  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402
from models import LabelledExample  # noqa: E402


def split(seed: int, pool_size: int) -> tuple[list[dict], list[dict], int]:
    real, written = [], []
    for path in training_files():
        rows = load_corpus(path)
        (real if path.name.startswith("train_real_") else written).extend(rows)
    rng = random.Random(seed)
    rng.shuffle(real)
    rng.shuffle(written)
    held = written[: max(0, pool_size - len(real))]
    return written[len(held) :], real + held, len(real)


def ledger_with(rows: list[dict], folder: Path) -> list[dict]:
    """Write `rows` as settled examples into a fresh ledger and read them back as the job does."""
    url = f"sqlite:///{folder / f'ledger-{len(rows)}.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        with Session(engine) as session, session.begin():
            for number, row in enumerate(rows, 1):
                report = bool(row["is_report"]) and bool(row["categories"])
                session.add(
                    LabelledExample(
                        text=row["text"],
                        is_report=report,
                        category=row["categories"][0] if report else None,
                        unit=row["unit"] if report else None,
                        source="bench",
                        source_id=number,
                        actor_id="bench",
                        created_at=now,
                    )
                )
        with Session(engine) as session:
            return ledger_rows(session)
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", default="0,100,500,2000")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    points = [int(p) for p in args.points.split(",")]
    cfg = load_config()
    base, pool, real_in_pool = split(args.seed, max(points))
    test = guard_rows()
    print(f"base corpus {len(base)} messages; ledger pool {len(pool)} ({real_in_pool} real public messages first)")
    print(f"test split: {len(test)} real messages ({sum(bool(r['is_report']) for r in test)} reports)")
    print("ledger examples | detection F1 | category | unit | urgent R/P | seconds")
    with tempfile.TemporaryDirectory() as tmp:
        for n in points:
            started = time.perf_counter()
            extra = ledger_with(pool[:n], Path(tmp))
            model, _ = train_model(cfg, extra, base)
            fig = score(test, MessageParser(cfg, model).parse).figures
            print(
                f"{n:>15} | {fig['detection_f1']:.3f}        | {fig['category_accuracy']:.3f}    |"
                f" {fig['unit_accuracy']:.3f} | {fig['urgent_recall']:.2f} / {fig['urgent_precision']:.2f}"
                f" | {time.perf_counter() - started:.0f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
