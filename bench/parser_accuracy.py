"""Parser accuracy on labelled corpora: the same report as `guanjia eval` (bot/parsing/evaluation.py).

Usage: .venv/bin/python bench/parser_accuracy.py [corpus.jsonl ...]   (default: the shared sample)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
