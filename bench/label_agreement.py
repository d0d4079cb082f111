"""How far would a careful reader get? Two blind readers' labels against the corpus labels.

Usage: .venv/bin/python bench/label_agreement.py

Why: the category head stalls near 0.80 on held-out real text (bench/parser_cv.py), and earlier
notes blamed the labels' boundaries (门前三包 vs 垃圾, 其他 vs 电力飞线). That is testable: if two
people reading only the taxonomy disagree with each other and with the corpus as often as the
model does, the target is above what the labels can support; if they agree far more, the
learner is the limit.

bench/agreement/ holds the study (issue 11, session 9): 393 real reports, every one of
`real_test.jsonl`'s 193 and 200 drawn at random (seed 20261201) from `train_real_*.jsonl`,
given in shuffled order, text only, to two readers (assistant agents, working apart) with the
taxonomy and `guide.md` (the urgent rule and the house conventions the README lists). They saw
no label, no model output and no other file. `reader_a.jsonl` and `reader_b.jsonl` are their
answers, unedited. The readers never train, tune or score the parser.

Prints, for the test split and the training sample: main-category agreement between the
readers and each reader against the stored labels; urgent precision and recall of each reader
taking the stored labels as truth (the figures `guanjia eval` gives the parser); and where both
readers agree against the stored main category.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.corpus_files import CORPUS  # noqa: E402
from bot.parsing.evaluation import load_corpus  # noqa: E402

STUDY = ROOT / "bench" / "agreement"
Stored = dict[str, tuple[dict[str, Any], str]]
Labels = dict[str, dict[str, Any]]


def readers() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    def read(name: str) -> dict[str, dict[str, Any]]:
        return {row["id"]: row for row in load_corpus(STUDY / name)}

    return read("reader_a.jsonl"), read("reader_b.jsonl")


def stored_rows() -> Stored:
    out = {}
    for path in sorted(CORPUS.glob("*.jsonl")):
        for row in load_corpus(path):
            out[row["id"]] = (row, path.name)
    return out


def share(ids: list[str], same: Callable[[str], bool]) -> float:
    return sum(map(same, ids)) / len(ids) if ids else 0.0


def urgent_pr(ids: list[str], got: Callable[[str], bool], want: Callable[[str], bool]) -> tuple[float, float]:
    tp = sum(got(i) and want(i) for i in ids)
    return tp / max(1, sum(map(got, ids))), tp / max(1, sum(map(want, ids)))


def report(name: str, ids: list[str], a: Labels, b: Labels, stored: Stored) -> None:
    def first(labels: Labels, i: str) -> str:
        return str(labels[i]["categories"][0])

    def want(i: str) -> bool:
        return bool(stored[i][0]["urgent"])

    main_stored = {i: str(stored[i][0]["categories"][0]) for i in ids}
    main_a = {i: first(a, i) for i in ids}
    main_b = {i: first(b, i) for i in ids}
    print(f"{name}:")
    print(
        f"  main category: reader A ~ reader B {share(ids, lambda i: main_a[i] == main_b[i]):.3f}, "
        f"A ~ stored {share(ids, lambda i: main_a[i] == main_stored[i]):.3f}, "
        f"B ~ stored {share(ids, lambda i: main_b[i] == main_stored[i]):.3f}"
    )
    for label, rows in (("A", a), ("B", b)):
        p, r = urgent_pr(ids, lambda i, rows=rows: bool(rows[i]["urgent"]), want)
        print(f"  urgent, reader {label} against stored: precision {p:.2f}  recall {r:.2f}")
    counts = (sum(map(want, ids)), sum(bool(a[i]["urgent"]) for i in ids), sum(bool(b[i]["urgent"]) for i in ids))
    same = share(ids, lambda i: a[i]["urgent"] == b[i]["urgent"])
    print(f"  urgent: stored {counts[0]}, A {counts[1]}, B {counts[2]}; A ~ B {same:.3f}")
    against = Counter(f"{main_stored[i]} -> {main_a[i]}" for i in ids if main_a[i] == main_b[i] != main_stored[i])
    listed = ", ".join(f"{k} {n}" for k, n in against.most_common())
    print(f"  both readers against the stored main category ({sum(against.values())}): {listed}")


def main() -> int:
    a, b = readers()
    stored = stored_rows()
    missing = [i for i in a if i not in stored or i not in b]
    if missing or len(a) != len(b):
        print(f"the readers' files do not match the corpus: {missing[:5]}")
        return 1
    test = sorted(i for i in a if stored[i][1] == "real_test.jsonl")
    sample = sorted(i for i in a if stored[i][1] != "real_test.jsonl")
    report(f"real_test ({len(test)} reports)", test, a, b, stored)
    report(f"training sample ({len(sample)} reports)", sample, a, b, stored)
    return 0


if __name__ == "__main__":
    sys.exit(main())
