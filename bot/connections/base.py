"""What every long-connection client is, so `guanjia serve` can run any of them the same way.

Why a protocol: the runner (lease, reconnect with backoff, shutdown) is written once; each
platform module only speaks its own frames and hands messages to the same intake the HTTP
callbacks use, so idempotency on the platform's message id and one transaction per message hold
unchanged. A message is acknowledged to the platform only after the intake has recorded it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol


class LongConnection(Protocol):
    @property
    def name(self) -> str:
        """A stable name ("dingtalk-stream", "feishu-ws", "wecom-bot-ws"): the lease key and the log prefix."""
        ...

    async def run_once(self, stop: asyncio.Event) -> None:
        """Open one connection and serve it until it drops (return or raise) or `stop` is set.

        The runner calls it again with backoff; it must not loop over reconnects itself.
        """
        ...
