"""Domain errors carry the one-line Chinese reason the user is shown."""

from __future__ import annotations


class DomainError(Exception):
    """A request that is refused; nothing was changed. `reason` is shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TicketNotFound(DomainError):
    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"没有找到工单 #{ticket_id}")


class PermissionDenied(DomainError):
    pass


class InvalidState(DomainError):
    pass


class InvalidArgument(DomainError):
    pass
