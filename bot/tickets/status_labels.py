"""Chinese names of ticket statuses and event types, as users read them."""

from __future__ import annotations

from models import ReminderKind, TicketStatus

STATUS_LABELS: dict[str, str] = {
    TicketStatus.TRIAGE: "待分拨",
    TicketStatus.DISPATCHED: "待认领",
    TicketStatus.CLAIMED: "整改中",
    TicketStatus.FIXED: "待验收",
    TicketStatus.CLOSED: "已销账",
    TicketStatus.CANCELLED: "已撤销",
}

EVENT_LABELS = {
    "reported": "上报",
    "dispatched": "派单",
    "triaged": "转创城办分拨",
    "claimed": "认领",
    "fixed": "报完成",
    "verified": "验收通过",
    "reopened": "验收不通过",
    "returned": "退回",
    "reassigned": "转派",
    "recategorized": "改类",
    "extension_requested": "申请延期",
    "extension_approved": "同意延期",
    "extension_rejected": "拒绝延期",
    "cancelled": "撤销",
    "duplicate": "重复上报",
    "reminded": "督办提醒",
    "supplemented": "补充",
    "rerouted": "转属地社区",
    "converted": "疑似上报立案",
    "recheck_sampled": "抽中回头看",
    "recheck_passed": "回头看仍合格",
    "rebound": "回头看反弹",
    "satisfied": "满意",
    "dissatisfied": "不满意（二次督办）",
    "urged": "催办",
}


# Which reminder a 督办提醒 step was, in the words of its chat message (bot/schedule/reminders.py).
REMINDER_LABELS: dict[str, str] = {
    ReminderKind.CLAIM_SOON: "认领临期",
    ReminderKind.FIX_SOON: "整改临期",
    ReminderKind.CLAIM_OVERDUE: "超时未认领",
    ReminderKind.FIX_OVERDUE: "超期未整改",
    ReminderKind.FIX_OVERDUE_LEADERS: "二次督办（报领导）",
    ReminderKind.CLAIM_OVERDUE_AGAIN: "迎检再次催办（未认领）",
    ReminderKind.FIX_OVERDUE_AGAIN: "迎检再次催办（未整改）",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type)


def reminder_label(kind: str) -> str:
    """A kind without a label shows nothing rather than its code: people read this page."""
    return REMINDER_LABELS.get(kind, "")
