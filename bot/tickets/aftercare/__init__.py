"""After closing: 回头看 re-inspection (sampling, results) and the reporter's 满意度.

A package of its own so bot/tickets stays a folder one can read at a glance.
"""

from bot.tickets.aftercare.results import Aftercare
from bot.tickets.aftercare.sampling import inspector_for, is_sampled

__all__ = ["Aftercare", "inspector_for", "is_sampled"]
