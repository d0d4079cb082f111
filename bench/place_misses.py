"""Place hit rate and every place miss on labelled corpora, parsed as `guanjia eval` parses them.

Usage: .venv/bin/python bench/place_misses.py [--hits] [--rules-only] [corpus.jsonl ...]
(default: every bot/parsing/corpus/train_real_*.jsonl, the real training rows the place rules
never learned from, so an honest development set for them; real_dev.jsonl is the second check).

A hit is counted as `guanjia eval` counts it (bot/parsing/evaluation.py): over the true reports
with a labelled `location`, the labelled place lies inside the place of the first problem. The
misses are printed by kind, so a change to the rules can be judged on what it fixed and broke:
- `not a report`: the parser missed the report, so it has no place (a detection miss, not a
  place miss; counted in the rate all the same, as eval counts it);
- `no place`: a report, but no place was found;
- `too long`: the label is inside, but the extracted place is a clause (more than
  `--too-long` characters beyond the label): a hit for the figure, a bad ticket for a person;
- `wrong place`: a place was found and the label is not in it.
Each line: row id, labelled place, extracted place, text. `--unlabelled` also lists the true
reports without a labelled place that got one (a precision check: a wrong place misroutes a
territorial ticket, though some of those rows are simply unlabelled).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.corpus_files import CORPUS  # noqa: E402
from bot.parsing.evaluation import load_corpus  # noqa: E402
from bot.parsing.loading import load_parser  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402
from config.settings import get_settings  # noqa: E402

KINDS = ("not a report", "no place", "wrong place", "too long")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="corpus files (default: train_real_*.jsonl)")
    ap.add_argument("--rules-only", action="store_true", help="the config rules alone, without the model")
    ap.add_argument("--too-long", type=int, default=12, help="characters beyond the label that make a place too long")
    ap.add_argument("--unlabelled", action="store_true", help="also list places found in reports without a label")
    ap.add_argument("--quiet", "-q", action="store_true", help="figures only")
    args = ap.parse_args(argv)
    files = [Path(f) for f in args.files] or sorted(CORPUS.glob("train_real_*.jsonl"))
    cfg = load_config()
    parser = MessageParser(cfg) if args.rules_only else load_parser(cfg, get_settings().parser_model)

    located = hits = 0
    misses: dict[str, list[str]] = defaultdict(list)
    unlabelled: list[str] = []
    for path in files:
        for row in load_corpus(path):
            if not row["is_report"]:
                continue
            parsed = parser.parse(row["text"])
            primary = parsed.problems[0] if parsed.problems else None
            found = primary.location if primary else None
            want = row.get("location")
            text = row["text"].replace("\n", "⏎")
            if not want:
                if found and args.unlabelled:
                    unlabelled.append(f"{row.get('id', '?')}  got {found!r}  | {text}")
                continue
            located += 1
            if found and want in found:
                hits += 1
                if len(found) - len(want) <= args.too_long:
                    continue
                kind = "too long"
            else:
                kind = "not a report" if not parsed.is_report else "no place" if not found else "wrong place"
            misses[kind].append(f"{row.get('id', '?')}  want {want!r}  got {found!r}  | {text}")

    names = ", ".join(p.name for p in files) if len(files) <= 3 else f"{len(files)} files ({files[0].name} …)"
    rate = hits / located if located else 0.0
    print(f"corpus: {names}")
    print(f"place hit rate: {rate:.3f}  ({hits}/{located} labelled reports)")
    print("  " + ", ".join(f"{kind} {len(misses[kind])}" for kind in KINDS))
    if args.unlabelled:
        print(f"  places found in reports without a label: {len(unlabelled)}")
    if args.quiet:
        return 0
    for kind in KINDS:
        if misses[kind]:
            print(f"\n{kind} ({len(misses[kind])})")
            print("\n".join(f"  {line}" for line in misses[kind]))
    if unlabelled:
        print(f"\nplace found, none labelled ({len(unlabelled)})")
        print("\n".join(f"  {line}" for line in unlabelled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
