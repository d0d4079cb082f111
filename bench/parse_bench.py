"""Parse throughput against plain jieba.lcut on the same texts; start-up time and memory.

Usage: .venv/bin/python bench/parse_bench.py [corpus.jsonl ...]
(default: the shared sample, tests/data/heldout.jsonl and the real-text dev and test splits).
The parser is the one the service runs: the config rules plus the shipped model. One core,
warm, best of five rounds. Memory: resident size (VmRSS) of a fresh process that has built and used
a parser, with the model and with the rules alone; the difference is what the model adds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.corpus_files import REAL_DEV, REAL_TEST  # noqa: E402
from bot.parsing.evaluation import load_corpus, throughput  # noqa: E402
from bot.parsing.loading import load_parser  # noqa: E402
from config import load_config  # noqa: E402

MEMORY = (
    "import re, sys; from config import load_config; from bot.parsing.loading import load_parser;"
    " from bot.parsing.parser import MessageParser; cfg = load_config();"
    " p = load_parser(cfg) if sys.argv[1] == 'model' else MessageParser(cfg, word_edges=False);"
    " p.parse('幸福小区门口垃圾满了');"
    " print(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
)
STARTUP = "import time; t = time.perf_counter(); import jieba; jieba.initialize(); print(time.perf_counter() - t)"


def jieba_startup() -> float:
    """Seconds for a fresh process to load jieba's dictionary (from its cache after the first run)."""
    out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def resident_mb(kind: str) -> float:
    out = subprocess.run([sys.executable, "-c", MEMORY, kind], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main(argv: list[str]) -> int:
    default = [
        ROOT.parent / "shared" / "corpus" / "sample.jsonl",
        ROOT / "tests" / "data" / "heldout.jsonl",
        REAL_DEV,
        REAL_TEST,
    ]
    paths = [Path(a) for a in argv[1:]] or [p for p in default if p.exists()]
    texts = [row["text"] for path in paths for row in load_corpus(path)]
    started = time.perf_counter()
    parser = load_parser(load_config())
    parser.parse("预热")
    print(f"parser ready in {time.perf_counter() - started:.2f} s (config, vocabulary, model, jieba)")
    jieba_startup()  # the first run may build the cache
    print(f"jieba start-up (cached dictionary): {jieba_startup():.2f} s")
    speed = throughput(parser, texts)
    print(f"texts: {len(texts)} from {len(paths)} file(s), mean {sum(map(len, texts)) / len(texts):.0f} characters")
    print(f"parse:      {speed.parse_per_s:10,.0f} messages/s ({1e6 / speed.parse_per_s:.0f} µs each)")
    print(f"jieba.lcut: {speed.lcut_per_s:10,.0f} messages/s ({1e6 / speed.lcut_per_s:.0f} µs each)")
    print(f"ratio parse / lcut: {speed.ratio:.2f} (target ≥ 0.5)")
    rules, model = resident_mb("rules"), resident_mb("model")
    print(
        f"resident memory: rules alone {rules:.0f} MB, with the model {model:.0f} MB:"
        f" the model adds {model - rules:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
