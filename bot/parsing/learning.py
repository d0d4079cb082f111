"""Retraining the parser from what the office settled, with a guard against getting worse.

The ledger holds labels nobody had to write for training: a ticket the 创城办 改类-ed or
verified closed names the category its text belongs to; a 疑似上报 converted or dismissed
says whether its text was a report. `retrain` fits a model on the shipped corpus plus those
rows, scores it and the model in use on the fixed real-text test split, and installs the new
one only when it is not worse there. The file is replaced atomically; every process reads it
again when it changes (bot/parsing/loading.py).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.parsing.corpus_files import bundled_training_rows, guard_rows, tuning_rows
from bot.parsing.evaluation import score
from bot.parsing.loading import model_path
from bot.parsing.model import ModelError, ParserModel
from bot.parsing.parser import MessageParser
from bot.parsing.training import corpus_digest, examples, fit, tune_thresholds
from config.schema import GuanjiaConfig
from models import EventType, LabelledExample, Ticket, TicketEvent, TicketStatus

log = logging.getLogger(__name__)


def ledger_rows(session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    """Labelled rows from the ledger, oldest first: settled 疑似上报, 改类-ed and closed tickets.

    The tickets of one message (one per problem) make one row with their categories in order.
    Duplicates and cancelled tickets teach nothing about their text and are left out.
    """
    rows: list[dict[str, Any]] = []
    for ex in session.scalars(select(LabelledExample).order_by(LabelledExample.id)):
        report = ex.is_report and ex.category is not None
        cats = [ex.category] if report and ex.category else []
        # Settling a 疑似上报 says report or not and which category, nothing about urgency.
        rows.append(_row(f"example-{ex.id}", ex.text, report, cats, ex.unit if report else None, None))
    corrected = select(TicketEvent.ticket_id).where(TicketEvent.type == EventType.RECATEGORIZED)
    query = (
        select(Ticket)
        .where(Ticket.duplicate_of.is_(None), Ticket.status != TicketStatus.CANCELLED)
        .where((Ticket.status == TicketStatus.CLOSED) | Ticket.id.in_(corrected))
        .order_by(Ticket.id)
    )
    by_message: dict[str, dict[str, Any]] = {}
    for ticket in session.scalars(query):
        key = ticket.source_msg_id or f"ticket-{ticket.id}"
        row = by_message.get(key)
        if row is None:
            row = by_message[key] = _row(f"ticket-{ticket.id}", ticket.text, True, [], ticket.unit, ticket.urgent)
            rows.append(row)
        if ticket.category not in row["categories"]:
            row["categories"].append(ticket.category)
        row["urgent"] = row["urgent"] or ticket.urgent
    return rows[:limit] if limit is not None else rows


def _row(rid: str, text: str, report: bool, cats: list[str], unit: str | None, urgent: bool | None) -> dict[str, Any]:
    return {"id": rid, "text": text, "is_report": report, "categories": cats, "unit": unit, "urgent": urgent}


@dataclass(frozen=True)
class Outcome:
    installed: bool
    candidate: float  # guard figure of the new model
    current: float  # guard figure of the model in use
    trained_on: int
    ledger: int
    path: Path
    split: str = "the fixed test split"

    def text(self) -> str:
        verdict = "installed" if self.installed else "NOT installed (worse than the model in use)"
        return (
            f"trained on {self.trained_on} messages ({self.ledger} from the ledger); on {self.split}:"
            f" new {self.candidate:.3f}, in use {self.current:.3f} -> {verdict}: {self.path}"
        )


def guard_figure(cfg: GuanjiaConfig, model: ParserModel | None, rows: Sequence[dict[str, Any]]) -> float:
    """One number to compare models: mean of detection F1, category and unit accuracy."""
    fig = score(rows, MessageParser(cfg, model).parse).figures
    return (fig["detection_f1"] + fig["category_accuracy"] + fig["unit_accuracy"]) / 3


def train_model(
    cfg: GuanjiaConfig, extra: Sequence[dict[str, Any]] = (), base: Sequence[dict[str, Any]] | None = None
) -> tuple[ParserModel, int]:
    rules = MessageParser(cfg, word_edges=False)
    rows = [*(bundled_training_rows() if base is None else base), *extra]
    model = fit(cfg, examples(rules, rows), info={"corpus": corpus_digest(rows), "messages": len(rows)})
    limits = tune_thresholds(model, examples(rules, tuning_rows()))
    return dataclasses.replace(model, thresholds=limits), len(rows)


def retrain(
    cfg: GuanjiaConfig,
    session: Session | None,
    out: Path,
    now: datetime,
    base: Sequence[dict[str, Any]] | None = None,
    guard: Sequence[dict[str, Any]] | None = None,
) -> Outcome:
    """Fit on the shipped corpus (or `base`) plus the ledger; install at `out` unless worse on
    the guard split than the model in use (the one installed there, else the shipped one).

    The guard is the fixed real-text test split; a developer rebuilding the shipped model
    passes the dev split instead, so the test split only ever reports (train_command.py).
    """
    extra = ledger_rows(session) if session is not None else []
    model, trained_on = train_model(cfg, extra, base)
    model.info.update({"trained_at": now.isoformat(), "ledger_examples": len(extra)})
    rows = guard_rows() if guard is None else guard
    current_path = model_path(out)
    try:
        current: ParserModel | None = ParserModel.load(current_path, categories=list(cfg.categories))
    except ModelError as exc:
        log.warning("model in use cannot be read (%s): the new one is compared with the rules alone", exc)
        current = None
    new_figure, old_figure = guard_figure(cfg, model, rows), guard_figure(cfg, current, rows)
    model.info["guard_figure"] = round(new_figure, 4)
    installed = new_figure >= old_figure
    if installed:
        model.save(out)
    log.info("parser retrain: new %.3f, in use %.3f, installed=%s", new_figure, old_figure, installed)
    split = "the fixed test split" if guard is None else "the dev split"
    return Outcome(installed, new_figure, old_figure, trained_on, len(extra), out, split)


def attempt_file(out: Path) -> Path:
    return out.with_name(out.stem + ".last_attempt.json")


def retrain_due(cfg: GuanjiaConfig, out: Path, local_now: datetime) -> bool:
    """Once a local day, from `parser.retrain_hour` on; an attempt counts even if not installed."""
    if not cfg.parser.retrain_nightly or local_now.hour < cfg.parser.retrain_hour:
        return False
    try:
        last = json.loads(attempt_file(out).read_text(encoding="utf-8"))["local_date"]
    except (OSError, ValueError, KeyError):
        return True
    return bool(last < local_now.date().isoformat())


def record_attempt(out: Path, local_now: datetime, outcome: Outcome | None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {"local_date": local_now.date().isoformat(), "installed": outcome.installed if outcome else False}
    attempt_file(out).write_text(json.dumps(data), encoding="utf-8")


def nightly(cfg: GuanjiaConfig, out: Path, now: datetime, run: Callable[[], Outcome | None]) -> Outcome | None:
    """The scheduler's hourly check: retrain once a local night, whatever the outcome.

    `run` does the training: in the server a separate process (`guanjia train`), so the
    server never loads scikit-learn; in tests the function itself.
    """
    local = now.astimezone(ZoneInfo(cfg.timezone))
    if not retrain_due(cfg, out, local):
        return None
    record_attempt(out, local, None)  # before: a crash mid-training is not retried every hour
    outcome = run()
    record_attempt(out, local, outcome)
    return outcome


def train_in_subprocess() -> Outcome | None:
    """`guanjia train` in a child process; its exit status says whether it installed a model."""
    done = subprocess.run([sys.executable, "-m", "bot.cli", "train"], capture_output=True, text=True, check=False)
    log.info("nightly parser retrain exited %s: %s", done.returncode, (done.stdout or done.stderr).strip()[-500:])
    return None
