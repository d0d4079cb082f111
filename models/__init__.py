"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

from models.base import Base, UTCDateTime
from models.inbound_message import InboundMessage
from models.ticket import Ticket, TicketStatus
from models.ticket_event import EventType, TicketEvent
from models.ticket_image import TicketImage

__all__ = [
    "Base",
    "EventType",
    "InboundMessage",
    "Ticket",
    "TicketEvent",
    "TicketImage",
    "TicketStatus",
    "UTCDateTime",
]
