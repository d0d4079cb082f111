"""Measures the message parser against a labelled corpus (default: the shared dev sample).

Usage: .venv/bin/python bench/parser_accuracy.py [path/to/sample.jsonl]

Prints report-detection precision/recall/F1, category, unit, location and urgent figures,
the mean parse time once jieba is warm, and every miss, so a vocabulary change in
config/guanjia.yaml can be checked by eye. The sample is for development, not a test set.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402

DEFAULT_CORPUS = ROOT / "../shared/corpus/sample.jsonl"


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _prf(tp: int, fp: int, fn: int) -> str:
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f"precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}  (tp {tp}, fp {fp}, fn {fn})"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    parser = MessageParser(load_config())
    parser.parse("预热 jieba")  # the first call loads the dictionary; keep it out of the timing

    started = time.perf_counter()
    results = [parser.parse(row["text"]) for row in rows]
    elapsed = time.perf_counter() - started

    det = {"tp": 0, "fp": 0, "fn": 0}
    urg = {"tp": 0, "fp": 0, "fn": 0}
    both = cat_ok = unit_ok = multi_ok = 0
    loc_total = loc_exact = loc_overlap = 0
    misses: list[str] = []
    for row, got in zip(rows, results, strict=True):
        rid, want = row["id"], row["is_report"]
        primary = got.problems[0] if got.problems else None
        if want and got.is_report:
            det["tp"] += 1
        elif got.is_report:
            det["fp"] += 1
        elif want:
            det["fn"] += 1
        if want != got.is_report:
            misses.append(f"{rid} report: expected {want}, got {got.is_report}  | {row['text'][:50]}")
        got_urgent = bool(primary and any(p.urgent for p in got.problems))
        key = "tp" if row["urgent"] and got_urgent else "fp" if got_urgent else "fn" if row["urgent"] else ""
        if key:
            urg[key] += 1
        if row["urgent"] != got_urgent:
            misses.append(f"{rid} urgent: expected {row['urgent']}, got {got_urgent}")
        if not (want and primary):
            continue
        both += 1
        got_cats = [p.category for p in got.problems]
        cat_ok += got_cats[0] == row["categories"][0]
        unit_ok += primary.unit == row["unit"]
        multi_ok += got_cats == row["categories"]
        if got_cats != row["categories"]:
            misses.append(f"{rid} category: expected {row['categories']}, got {got_cats}")
        exp_loc, got_loc = row["location"], primary.location
        if exp_loc or got_loc:
            loc_total += 1
            loc_exact += exp_loc == got_loc
            loc_overlap += bool(exp_loc and got_loc and (exp_loc in got_loc or got_loc in exp_loc))
            if exp_loc != got_loc:
                misses.append(f"{rid} location: expected {exp_loc!r}, got {got_loc!r}")

    print(f"corpus: {path} ({len(rows)} messages, {sum(r['is_report'] for r in rows)} reports)")
    print(f"report detection:  {_prf(**det)}")
    print(f"primary category:  {_ratio(cat_ok, both):.3f}  ({cat_ok}/{both} true reports detected)")
    print(f"all categories:    {_ratio(multi_ok, both):.3f}  (exact list, order included)")
    print(f"unit:              {_ratio(unit_ok, both):.3f}")
    print(
        f"location exact:    {_ratio(loc_exact, loc_total):.3f}  overlap {_ratio(loc_overlap, loc_total):.3f}"
        f"  ({loc_total} with a place expected or found)"
    )
    print(f"urgent:            {_prf(**urg)}")
    print(f"mean parse time:   {elapsed / len(rows) * 1000:.2f} ms/message (jieba warm)")
    print(f"\nmisses ({len(misses)}):")
    for line in misses:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
