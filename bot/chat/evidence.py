"""Locations, files, videos and photos: evidence that joins the sender's report, now or the next one.

Field staff share a map pin or a video right after their report, or first and then write
it. Within `parser.followup_minutes` the pin's address fills the report's place when it has
none and its coordinates are recorded on the ticket as an event; a file or video is recorded
the same way with the key the platform hands it out by (not downloaded here). Sent before the
report, the evidence waits in its message's row (InboundMessage.evidence) for the next report
of that sender in that group within the window. So do photos sent alone, in a group, before
the words (the usual order in a chat: the picture, then what it shows): they become the
report's before-photos. A photo that was taken already (added to the sender's last report, or
a claimer's after-photo) is not taken twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from bot.chat.context import ChatContext
from bot.chat.messages import IncomingMessage, Outcome, Reply
from bot.chat.reading import ReadMessage
from bot.core.actor import Actor
from bot.core.clock import FixedClock
from bot.core.echo_safety import echo
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig
from models import InboundMessage, MediaDownload, MediaStatus, Ticket, TicketEvent
from models.media_download import stored_url
from models.ticket_event import EventType

_PENDING = "media-pending://"  # a photo's placeholder until it is fetched (bot/adapters/identity.py)


class Numbered(Protocol):
    """A ticket, or a plain row of one (bot/chat/followups.py): evidence needs only its number."""

    @property
    def id(self) -> int: ...


# Whether the sender left a location or files here within the follow-up window: asked as a
# column of the statement that records each message (bot/chat/intake.py), so a report without
# any costs no statement of its own. The message's own row is not seen there (it is being written).
EVIDENCE_WAITING = (
    exists()
    .where(InboundMessage.group_id == bindparam("evidence_group"))
    .where(InboundMessage.sender_id == bindparam("evidence_sender"))
    .where(InboundMessage.received_at >= bindparam("evidence_since"))
    .where(InboundMessage.evidence.is_not(None))
)


def waiting_evidence(message: ReadMessage) -> dict[str, Any] | None:
    """What a message leaves for its sender's next report, as stored in its row: its location
    and files, or, for photos sent alone in a group, that it holds photos (InboundMessage.images).
    A photo written to the bot is asked about instead (bot/chat/unreported.py)."""
    msg = message.incoming
    found = msg.evidence()
    if found is None and msg.images and not message.clean and not msg.addressed:
        return {"location": None, "attachments": [], "photos": len(msg.images)}
    return found


def evidence_params(cfg: GuanjiaConfig, msg: IncomingMessage, now: datetime) -> dict[str, object]:
    since = now - timedelta(minutes=cfg.parser.followup_minutes)
    return {"evidence_group": msg.group_id, "evidence_sender": msg.sender_id, "evidence_since": since}


_KIND_NAMES = {"file": "文件", "video": "视频"}


def _place(location: dict[str, Any]) -> str:
    address = str(location.get("address") or "").strip()
    return address or f"{float(location['latitude']):.6f},{float(location['longitude']):.6f}"


def describe(evidence: dict[str, Any]) -> str:
    """The evidence in a few words, for the note on the ticket and the reply."""
    parts: list[str] = [f"照片{evidence['photos']}张"] if evidence.get("photos") else []
    if evidence.get("location"):
        parts.append(f"位置「{echo(_place(evidence['location']))}」")
    for item in evidence.get("attachments") or []:
        parts.append(f"{_KIND_NAMES.get(item['kind'], '文件')}「{echo(item['name'])}」")
    return "、".join(parts)


def add_evidence(
    service: TicketService,
    tickets: Sequence[Numbered],
    actor: Actor,
    evidence: dict[str, Any],
    photos: Sequence[str] = (),
) -> None:
    location = evidence.get("location")
    details: dict[str, Any] = {"evidence": evidence}
    if location:
        details |= {"latitude": location["latitude"], "longitude": location["longitude"]}
    place = _place(location) if location else None
    for ticket in tickets:
        service.supplement(ticket.id, actor, describe(evidence), photos, place, details)


def attach_evidence(
    session: Session, cfg: GuanjiaConfig, msg: IncomingMessage, tickets: Sequence[Numbered], now: datetime
) -> Outcome | None:
    """Add a location or files to `tickets`, the sender's recent report; None if the message
    carries neither. Without a recent report the answer is empty: the evidence stays in the
    message's row for the next report.
    """
    evidence = msg.evidence()
    if evidence is None:
        return None
    if not tickets:
        return Outcome()
    actor = Actor(msg.sender_id, cfg.display_name(msg.sender_id, msg.sender_name), msg.msg_id, platform=msg.platform)
    add_evidence(TicketService(session, cfg, FixedClock(now)), tickets, actor, evidence)
    numbers = "、".join(f"#{t.id}" for t in tickets)
    return Outcome([Reply(f"已补充到 {numbers}：{describe(evidence)}")], [t.id for t in tickets])


def fetched_photos(session: Session, urls: Sequence[str]) -> list[str]:
    """Photos of an earlier message as stored now. Its photos were fetched after it was answered
    (bot/media/downloads.py), and the worker rewrote the image rows that existed then; a ticket
    taking them later must take the stored copy, or it shows "still being fetched" forever."""
    pending = [url for url in urls if url.startswith(_PENDING)]
    if not pending:
        return list(urls)
    fetched = select(MediaDownload.placeholder, MediaDownload.path).where(
        MediaDownload.placeholder.in_(pending), MediaDownload.status == MediaStatus.DONE
    )
    done = {placeholder: stored_url(path) for placeholder, path in session.execute(fetched) if path}
    return [done.get(url, url) for url in urls]


def take_waiting_evidence(ctx: ChatContext, tickets: Sequence[Ticket], maybe_waiting: bool = True) -> str | None:
    """Give new tickets the evidence their reporter sent shortly before; what was added, if any.

    `maybe_waiting` False: the caller knows there is none (EVIDENCE_WAITING said so), no query.
    """
    targets = [t for t in tickets if t.duplicate_of is None]
    if not targets or not maybe_waiting:
        return None
    session = ctx.service.session
    since = ctx.now - timedelta(minutes=ctx.cfg.parser.followup_minutes)
    waiting = session.execute(
        select(InboundMessage.msg_id, InboundMessage.evidence, InboundMessage.images)
        .where(InboundMessage.group_id == ctx.group_id, InboundMessage.sender_id == ctx.actor.id)
        .where(InboundMessage.received_at >= since, InboundMessage.received_at <= ctx.now)
        .where(InboundMessage.evidence.is_not(None))
        .order_by(InboundMessage.id)
    ).all()
    if not waiting:
        return None
    taken = set(
        session.scalars(
            select(TicketEvent.source_msg_id).where(
                TicketEvent.type == EventType.SUPPLEMENTED,
                TicketEvent.actor_id == ctx.actor.id,
                TicketEvent.source_msg_id.in_([msg_id for msg_id, _, _ in waiting]),
            )
        )
    )
    added: list[str] = []
    shown_photos = 0
    for msg_id, evidence, images in waiting:
        if msg_id in taken:
            continue
        actor = Actor(ctx.actor.id, ctx.actor.name, msg_id, platform=ctx.actor.platform)
        photos = fetched_photos(session, images) if evidence.get("photos") else ()
        add_evidence(ctx.service, targets, actor, evidence, photos)
        if photos:  # several photos sent one by one are named once: 照片3张
            shown_photos += len(photos)
        else:
            added.append(describe(evidence))
    return "、".join([f"照片{shown_photos}张"] * bool(shown_photos) + added) or None
