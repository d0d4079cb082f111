"""Prometheus metrics: webhook latency in this process, and the ledger's state read from the database.

Two kinds, on purpose:
- per process (`PROCESS`): webhook requests and their latency, observed by `WebhookTimer`.
  With several worker processes each has its own; a scrape sees the one that answered.
- from the database at scrape time (`LedgerCollector`): messages taken in per platform,
  tickets by status, outbox depth and reminder lag — a few indexed aggregates, the same
  whichever process answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import ALL_STATUSES, InboundMessage, OutboxMessage, OutboxStatus, Ticket

PROCESS = CollectorRegistry(auto_describe=True)

WEBHOOK_LATENCY = Histogram(
    "guanjia_webhook_latency_seconds",
    "Time from a webhook request's arrival to its answer, by platform (this process).",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=PROCESS,
)
WEBHOOK_REQUESTS = Counter(
    "guanjia_webhook_requests",
    "Webhook requests answered, by platform and HTTP status (this process).",
    ["platform", "status"],
    registry=PROCESS,
)

_WEBHOOK_PREFIX = "/webhook/"


class WebhookTimer:
    """ASGI middleware: time every /webhook/<platform> request, count it by answer status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(_WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return
        platform = path[len(_WEBHOOK_PREFIX) :].split("/", 1)[0] or "unknown"
        if platform not in ("generic", "dingtalk", "wecom", "feishu"):
            platform = "other"  # keep label values bounded whatever is requested
        status = 500
        started = time.perf_counter()

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            WEBHOOK_LATENCY.labels(platform).observe(time.perf_counter() - started)
            WEBHOOK_REQUESTS.labels(platform, str(status)).inc()


class LedgerCollector(Collector):
    """Query-time figures from the database (one scrape = one short read transaction)."""

    def __init__(self, session_factory: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        self.session_factory = session_factory
        self.now = now

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        now = self.now()
        with self.session_factory() as session:
            inbound = session.execute(
                select(InboundMessage.platform, func.count()).group_by(InboundMessage.platform)
            ).all()
            tickets = {s: n for s, n in session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))}
            outbox_rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
            outbox = {s: n for s, n in outbox_rows}
            pending = select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
            oldest_any = session.scalar(pending)
            oldest_reminder = session.scalar(pending.where(OutboxMessage.kind == "reminder"))
        messages = CounterMetricFamily(
            "guanjia_messages_received", "Chat messages taken in (all processes), by platform.", labels=["platform"]
        )
        for platform, count in sorted(inbound):
            messages.add_metric([platform], count)
        yield messages
        by_status = GaugeMetricFamily("guanjia_tickets", "Tickets by status.", labels=["status"])
        for status in ALL_STATUSES:
            by_status.add_metric([status], tickets.get(status, 0))
        yield by_status
        yield GaugeMetricFamily(
            "guanjia_outbox_pending", "Outbox messages not yet sent.", value=outbox.get(OutboxStatus.PENDING, 0)
        )
        yield GaugeMetricFamily(
            "guanjia_outbox_failed", "Outbox messages given up on.", value=outbox.get(OutboxStatus.FAILED, 0)
        )
        yield GaugeMetricFamily(
            "guanjia_outbox_oldest_pending_seconds",
            "Age of the oldest unsent outbox message (0 when none waits).",
            value=_age(now, oldest_any),
        )
        yield GaugeMetricFamily(
            "guanjia_reminder_lag_seconds",
            "Age of the oldest due but unsent reminder (0 when none waits).",
            value=_age(now, oldest_reminder),
        )


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0
