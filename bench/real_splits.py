"""Builds the real-text dev and test splits from the collected public messages.

Usage: .venv/bin/python bench/real_splits.py   (reads tests/data/real/collected_*.jsonl)

Rows come from public pages (each keeps its `source`). A whole page goes to one side, chosen
by a hash of its address, so two sentences of one article never sit on both sides: about half
of the pages are test. Rows whose text is also in the training corpus are dropped from both.
Deterministic: rerunning gives the same files.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.corpus_files import REAL_DEV, REAL_TEST, bundled_training_rows  # noqa: E402
from bot.parsing.evaluation import load_corpus  # noqa: E402


def _is_test(row: dict) -> bool:
    source = str(row.get("source") or row["id"])
    return hashlib.sha256(source.encode("utf-8")).digest()[0] % 2 == 1


def main() -> int:
    rows = [r for p in sorted((ROOT / "tests" / "data" / "real").glob("collected_*.jsonl")) for r in load_corpus(p)]
    trained = {r["text"].strip() for r in bundled_training_rows()}
    seen: set[str] = set()
    unique = []
    for row in rows:
        key = row["text"].strip()
        if key in trained or key in seen:
            continue
        seen.add(key)
        unique.append(row)
    test = [r for r in unique if _is_test(r)]
    dev = [r for r in unique if not _is_test(r)]
    for path, part in ((REAL_DEV, dev), (REAL_TEST, test)):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        reports = sum(bool(r["is_report"]) for r in part)
        print(f"{path.relative_to(ROOT)}: {len(part)} rows, {reports} reports")
    print(f"dropped {len(rows) - len(unique)} rows already in training or repeated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
