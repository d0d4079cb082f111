"""Which closed tickets 回头看 re-inspects, and who does it: pure functions of the config and the ticket."""

from __future__ import annotations

import hashlib

from config.schema import GuanjiaConfig
from models import Ticket

_HASH_SPACE = 2**32


def is_sampled(cfg: GuanjiaConfig, ticket: Ticket) -> bool:
    """Whether a closed ticket is re-inspected: its category always is, or its id's hash falls in the share.

    A hash, not a random draw, so the same ticket gets the same answer in every sweep and test.
    """
    if ticket.category in cfg.recheck.all_categories:
        return True
    digest = hashlib.sha256(f"recheck:{ticket.id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < cfg.recheck.share * _HASH_SPACE


def inspector_for(cfg: GuanjiaConfig, ticket_id: int) -> str | None:
    """Round-robin by ticket id over the inspectors (the supervisors when none are configured)."""
    people = cfg.recheck.inspectors or cfg.supervisors
    return people[ticket_id % len(people)] if people else None
