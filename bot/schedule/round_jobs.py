"""Rounds nobody ended: the sweep ends them at their time limit and posts their summary to the group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import FixedClock
from bot.inspections.rounds import RoundService
from bot.inspections.summary import round_summary
from bot.outbound.outbox import enqueue
from config.schema import GuanjiaConfig


class RoundTimeoutProducer:
    """Fits `bot.schedule.scheduler.DueProducer`: one transaction ends the rounds and queues
    their summaries together, so a summary is queued exactly when its round is ended."""

    name = "督查超时"

    def __call__(self, session_factory: sessionmaker[Session], cfg: GuanjiaConfig, now: datetime) -> list[str]:
        queued: list[str] = []
        with session_factory() as session, session.begin():
            rounds = RoundService(session, cfg, FixedClock(now))
            for round_ in rounds.end_overdue():
                summary = round_summary(cfg, round_, rounds.problems(round_), timed_out=True)
                enqueue(
                    session,
                    group_id=round_.group_id,
                    kind="inspection",
                    text=summary.text,
                    now=now,
                    mentions=summary.mentions,
                    dedupe_key=f"round:{round_.id}",
                )
                queued.append(f"{self.name} {round_.id}")
        return queued
