"""What a chat handler is given: the service, the config, who speaks, where, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.actor import Actor
from bot.parsing.parser import MessageParser
from bot.tickets.service import TicketService
from config.schema import GuanjiaConfig


@dataclass(frozen=True)
class ChatContext:
    service: TicketService
    cfg: GuanjiaConfig
    actor: Actor
    group_id: str
    images: tuple[str, ...]
    now: datetime
    # The intake's parser (rules and model), for commands that read a message again (立案).
    parser: MessageParser | None = None


@dataclass(frozen=True)
class CommandArgs:
    ticket_id: int | None
    rest: str
    verb: str = ""  # as written: an everyday word ("1号收到") may want a quieter handler
