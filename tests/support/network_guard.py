"""The suite talks to 127.0.0.1 only: the fake platform servers and the test databases.

A test that reached a real platform API would pass or fail with the network, and could send
a message to a real group. Patching the socket layer (not httpx) catches every client.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkRefused(RuntimeError):
    """Not an OSError, so no client's connection-error handling can swallow it."""


def is_loopback(host: object) -> bool:
    if host is None:  # getaddrinfo(None, port): the local wildcard, for a server to bind
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def is_address_literal(host: object) -> bool:
    """`getaddrinfo("10.0.0.5", …)` only parses: no lookup leaves the machine (connect is guarded)."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _check(address: Any) -> None:
    if isinstance(address, tuple) and address and not is_loopback(address[0]):
        raise NetworkRefused(f"the test suite may not connect beyond 127.0.0.1: {address!r}")


@contextmanager
def loopback_only() -> Iterator[None]:
    """Inside: connecting or resolving a name beyond the loopback interface raises NetworkRefused."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host) and not is_address_literal(host):
            raise NetworkRefused(f"the test suite may not resolve {host!r}: only 127.0.0.1 is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded(real: Callable[[socket.socket, Any], Any]) -> Callable[[socket.socket, Any], Any]:
        def connect(self: socket.socket, address: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                _check(address)
            return real(self, address)

        return connect

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(socket.socket, "connect", guarded(real_connect))
        patch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
        yield
