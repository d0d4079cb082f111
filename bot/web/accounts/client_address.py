"""Who is asking: the connecting address, or what a trusted proxy says the client is.

X-Forwarded-For and X-Real-IP are written by whoever sends the request, so they are read
only when the connection comes from an address in GUANJIA_TRUSTED_PROXIES. Otherwise a new
value per request would dodge every per-client limit (issue 14, finding 2).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from fastapi import Request

Network = IPv4Network | IPv6Network


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None, proxies: list[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(request: Request, proxies: list[Network]) -> str:
    """The client's address as text. Behind trusted proxies: the right-most forwarded address
    that is not itself a trusted proxy (entries further left are the client's own claims)."""
    peer = request.client.host if request.client else "unknown"
    if not _trusted(_parse(peer), proxies):
        return peer
    hops = [hop for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return peer  # a garbled chain: trust nothing in it
        if not _trusted(address, proxies):
            return str(address)
    real = _parse(request.headers.get("x-real-ip", ""))
    if real is not None and not hops:
        return str(real)
    return peer
