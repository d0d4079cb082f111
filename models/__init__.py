"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

from models.base import Base, UTCDateTime
from models.campaign import CampaignEvent, CampaignEventType, CampaignPeriod
from models.inbound_message import InboundMessage
from models.inspection import InspectionEvent, InspectionRound, RoundEventType
from models.labelled_example import LabelledExample
from models.media_download import MediaDownload, MediaStatus
from models.outbox_message import OutboxMessage, OutboxStatus
from models.routing_correction import RoutingCorrection
from models.suspected_report import SuspectedReport, SuspectKind, SuspectStatus
from models.ticket import ALL_STATUSES, MAX_TICKET_ID, OPEN_STATUSES, Recheck, RecheckResult, Ticket, TicketStatus
from models.ticket_event import EventType, TicketEvent
from models.ticket_image import TicketImage
from models.ticket_reminder import ReminderKind, TicketReminder
from models.user import User, UserRole
from models.web_account import ExportJob, LoginThrottle, ShareLink, WebSession
from models.webhook_nonce import WebhookNonce

__all__ = [
    "ALL_STATUSES",
    "MAX_TICKET_ID",
    "OPEN_STATUSES",
    "Base",
    "CampaignEvent",
    "CampaignEventType",
    "CampaignPeriod",
    "EventType",
    "ExportJob",
    "InboundMessage",
    "InspectionEvent",
    "InspectionRound",
    "LabelledExample",
    "LoginThrottle",
    "MediaDownload",
    "MediaStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Recheck",
    "RecheckResult",
    "ReminderKind",
    "RoundEventType",
    "RoutingCorrection",
    "ShareLink",
    "SuspectKind",
    "SuspectStatus",
    "SuspectedReport",
    "Ticket",
    "TicketEvent",
    "TicketImage",
    "TicketReminder",
    "TicketStatus",
    "UTCDateTime",
    "User",
    "UserRole",
    "WebSession",
    "WebhookNonce",
]
