"""What the three robot transports share: post JSON, read the platform's error code, map it."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from bot.outbound.delivery import DeliveryResult

log = logging.getLogger(__name__)
# The platforms' limit is 20 messages a minute per robot; after a rate-limit error, wait it out.
RATE_LIMIT_WAIT_SECONDS = 60.0


def post_json(
    client: httpx.Client,
    url: str,
    body: dict[str, object],
    read_code: Callable[[dict[str, object]], tuple[int, str]],
    rate_limited: set[int],
    permanent: set[int],
    platform: str,
) -> DeliveryResult:
    try:
        response = client.post(url, json=body)
    except httpx.HTTPError as exc:
        return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    if response.status_code == 429:
        return DeliveryResult(ok=False, error="HTTP 429", retry_after_seconds=RATE_LIMIT_WAIT_SECONDS)
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        transient = response.status_code >= 500
        return DeliveryResult(ok=False, error=f"HTTP {response.status_code}", permanent=not transient)
    code, message = read_code(data)
    if code == 0 and response.is_success:
        return DeliveryResult.success()
    error = f"{platform} error {code}: {message}"
    if code in rate_limited:
        return DeliveryResult(ok=False, error=error, retry_after_seconds=RATE_LIMIT_WAIT_SECONDS)
    if code in permanent:
        # Signature, keyword or IP whitelist: retrying cannot help; someone must fix the robot.
        log.error("ALERT %s robot refused the message: %s", platform, error)
        return DeliveryResult(ok=False, error=error, permanent=True)
    return DeliveryResult(ok=False, error=error)
