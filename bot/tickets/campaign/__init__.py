"""迎检 (campaign period before the assessment): whether one is on at an instant, and switching it.

A package, not a module, because bot/tickets/ is at the 15-modules-per-folder limit.
"""

from bot.tickets.campaign.dates import day_text
from bot.tickets.campaign.periods import ActivePeriod, countdown_line, deadline_factor, local_date, period_at
from bot.tickets.campaign.service import CampaignService, SwitchedOn

__all__ = [
    "ActivePeriod",
    "CampaignService",
    "SwitchedOn",
    "countdown_line",
    "day_text",
    "deadline_factor",
    "local_date",
    "period_at",
]
