"""`guanjia parse` and `guanjia eval`: check the parser config by hand or against a corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.parsing.loading import load_parser
from bot.parsing.parser import MessageParser, ParsedMessage
from config.loader import ConfigError, load_config
from config.schema import GuanjiaConfig
from config.settings import get_settings

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "sample.jsonl"


def _config(path: str | None) -> GuanjiaConfig:
    try:
        return load_config(path or get_settings().config)
    except ConfigError as exc:
        print(f"配置错误 / configuration error:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _parser(args: argparse.Namespace) -> MessageParser:
    """The parser the service runs (rules + installed model), or the rules alone if asked."""
    cfg = _config(args.config)
    if getattr(args, "rules_only", False):
        return MessageParser(cfg)
    return load_parser(cfg, get_settings().parser_model)


def parsed_json(parsed: ParsedMessage) -> dict[str, Any]:
    """The `guanjia parse` line: the first problem is the main one; none for non-reports."""
    return {
        "is_report": parsed.is_report,
        "problems": [
            {
                "category": p.category,
                "unit": p.unit,
                "location": p.location,
                "urgent": p.urgent,
                "confidence": p.confidence,
            }
            for p in parsed.problems
        ],
    }


def cmd_parse(args: argparse.Namespace) -> int:
    parser = _parser(args)
    source = open(args.file, encoding="utf-8") if args.file else sys.stdin  # noqa: SIM115
    try:
        for line in source:
            text = line.rstrip("\n")
            if text.strip():
                print(json.dumps(parsed_json(parser.parse(text)), ensure_ascii=False), flush=True)
    finally:
        if args.file:
            source.close()
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.parsing.evaluation import TARGETS, load_corpus, report_lines, score, throughput

    parser = _parser(args)
    files = [*args.files, *(args.corpus or [])] or [str(SAMPLE)]
    below = False
    for number, path in enumerate(files):
        try:
            rows = load_corpus(path)
        except (OSError, ValueError) as exc:
            print(f"cannot read corpus {path}: {exc}", file=sys.stderr)
            return 2
        result = score(rows, parser.parse)
        speed = None if args.no_speed else throughput(parser, [r["text"] for r in rows])
        if number:
            print()
        print("\n".join(report_lines(path, result, speed, show_misses=not args.quiet)))
        figures = result.figures | ({"throughput_ratio": speed.ratio} if speed else {})
        below = below or any(figures.get(name, 1.0) < target for name, target in TARGETS.items())
    return 1 if below and args.strict else 0


def add_commands(sub: Any) -> None:
    """Register `parse` and `eval` on the `guanjia` argument parser."""
    parse = sub.add_parser("parse", help="parse messages (one per line, stdin or --file) into JSON lines")
    parse.add_argument("--file", help="read messages from this file instead of stdin")
    parse.add_argument("--rules-only", action="store_true", help="the config rules alone, without the model")
    parse.add_argument("--config", help="config file (default: GUANJIA_CONFIG or config/guanjia.yaml)")
    parse.set_defaults(func=cmd_parse)
    ev = sub.add_parser("eval", help="score the parser on labelled JSONL corpora (default: the shared sample)")
    ev.add_argument("files", nargs="*", help="corpus files (JSONL with id/text/is_report/categories/...)")
    ev.add_argument("--corpus", action="append", help="a corpus file (may be repeated)")
    ev.add_argument("--rules-only", action="store_true", help="the config rules alone, without the model")
    ev.add_argument("--config", help="config file (default: GUANJIA_CONFIG or config/guanjia.yaml)")
    ev.add_argument("--quiet", "-q", action="store_true", help="figures only, no list of misses")
    ev.add_argument("--no-speed", action="store_true", help="skip the throughput measurement")
    ev.add_argument("--strict", action="store_true", help="exit 1 when a figure is below the issue's target")
    ev.set_defaults(func=cmd_eval)
