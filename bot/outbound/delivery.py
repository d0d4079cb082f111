"""The contract between the outbox sender and a platform transport.

A transport turns one OutboundMessage into the platform's request and reports how it went;
the sender owns retries, backoff and rate limits, so transports stay small and testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from config.schema import GuanjiaConfig, OutboundConfig


@dataclass(frozen=True)
class OutboundMessage:
    group_id: str
    text: str
    mentions: tuple[str, ...] = ()  # sender ids (config `people`), rendered per platform
    image_png_base64: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    error: str | None = None
    # True: retrying cannot help (bad signature, keyword or IP not allowed): stop and alert.
    permanent: bool = False
    # The target asked us to slow down (rate-limit codes); wait at least this long.
    retry_after_seconds: float | None = None

    @classmethod
    def success(cls) -> DeliveryResult:
        return cls(ok=True)


class Transport(Protocol):
    def send(self, target: OutboundConfig, message: OutboundMessage, cfg: GuanjiaConfig) -> DeliveryResult:
        """Post one message to the target; never raise for a delivery failure, report it."""
        ...
