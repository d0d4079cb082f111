"""`guanjia train`: fit the parser's statistical layer, and install it only if it is not worse.

Without options it trains on the corpus shipped with guanjia plus this deployment's ledger
and installs at GUANJIA_PARSER_MODEL (var/models/parser_model.npz) — what the nightly job
does. `--shipped` rebuilds the model versioned in the repository (developers, no ledger),
compared with the one there on the dev split, never on the test split.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli.eval_command import _config
from config.settings import get_settings


def cmd_train(args: argparse.Namespace) -> int:
    from bot.parsing.corpus_files import tuning_rows
    from bot.parsing.learning import retrain
    from bot.parsing.model import BUNDLED

    cfg = _config(args.config)
    now: datetime = args.clock.now()  # `main` injects the clock
    if args.shipped:
        # Chosen on the dev split: the test split stays for reporting figures only.
        outcome = retrain(cfg, None, BUNDLED, now, guard=tuning_rows())
    else:
        from bot.core.db import make_engine, make_session_factory

        settings = get_settings()
        engine = make_engine(settings.database_url)
        try:
            with make_session_factory(engine)() as session:
                outcome = retrain(cfg, session, settings.parser_model, now)
        finally:
            engine.dispose()
    print(outcome.text())
    return 0 if outcome.installed else 1


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    train = sub.add_parser("train", help="retrain the parser model (installed only if not worse on the test split)")
    train.add_argument("--config", help="config file (default: GUANJIA_CONFIG or config/guanjia.yaml)")
    train.add_argument("--shipped", action="store_true", help="rebuild the model shipped in the repository")
    train.set_defaults(func=cmd_train)
