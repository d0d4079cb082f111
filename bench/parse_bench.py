"""Parse throughput against plain jieba.lcut on the same texts, and jieba's start-up time.

Usage: .venv/bin/python bench/parse_bench.py [corpus.jsonl ...]
(default: tests/data/*.jsonl and the shared sample). One core, warm, best of five rounds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.evaluation import load_corpus, throughput  # noqa: E402
from bot.parsing.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402

STARTUP = "import time; t = time.perf_counter(); import jieba; jieba.initialize(); print(time.perf_counter() - t)"


def jieba_startup() -> float:
    """Seconds for a fresh process to load jieba's dictionary (from its cache after the first run)."""
    out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    default = [*sorted((ROOT / "tests" / "data").glob("*.jsonl")), ROOT.parent / "shared" / "corpus" / "sample.jsonl"]
    paths = [Path(a) for a in argv[1:]] or [p for p in default if p.exists()]
    texts = [row["text"] for path in paths for row in load_corpus(path)]
    started = time.perf_counter()
    parser = MessageParser(load_config())
    parser.parse("预热")
    print(f"parser ready in {time.perf_counter() - started:.2f} s (config, vocabulary, jieba, user words)")
    jieba_startup()  # the first run may build the cache
    print(f"jieba start-up (cached dictionary): {jieba_startup():.2f} s")
    speed = throughput(parser, texts)
    print(f"texts: {len(texts)} from {len(paths)} file(s), mean {sum(map(len, texts)) / len(texts):.0f} characters")
    print(f"parse:      {speed.parse_per_s:10,.0f} messages/s ({1e6 / speed.parse_per_s:.0f} µs each)")
    print(f"jieba.lcut: {speed.lcut_per_s:10,.0f} messages/s ({1e6 / speed.lcut_per_s:.0f} µs each)")
    print(f"ratio parse / lcut: {speed.ratio:.2f} (target ≥ 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
