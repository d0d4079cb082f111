"""The chat helper and the suite's fixed start instant, shared by the fixtures and the tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning, so nothing depends on when the suite happens to run.
START = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@dataclass
class Chat:
    """Send chat lines through the real intake, as a group member would."""

    services: AppServices
    group_id: str = "demo"
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def send(
        self, text: str, sender: str = "wgy_li", images: tuple[str, ...] = (), group: str | None = None
    ) -> Outcome:
        msg = IncomingMessage(
            platform="test",
            msg_id=f"m{next(self._ids)}",
            group_id=group or self.group_id,
            sender_id=sender,
            sender_name=self.services.cfg.display_name(sender),
            text=text,
            images=images,
        )
        return self.services.intake.handle(msg)

    def say(self, text: str, sender: str = "wgy_li", images: tuple[str, ...] = ()) -> str:
        """The bot's reply text (replies joined), for asserting what the group sees."""
        return "\n".join(r.text for r in self.send(text, sender, images).replies)

    def report(self, text: str, sender: str = "wgy_li") -> int:
        outcome = self.send(text, sender)
        assert len(outcome.tickets) >= 1, f"not taken as a report: {text!r} → {outcome}"
        return outcome.tickets[0]
