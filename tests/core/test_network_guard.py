"""The suite refuses the network beyond 127.0.0.1 (conftest's autouse guard), and allows loopback."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from bot.app_services import AppServices
from bot.outbound.delivery import OutboundMessage
from bot.outbound.dingtalk_transport import DingTalkTransport
from config.schema import OutboundConfig
from tests.support.network_guard import NetworkRefused, is_loopback


def test_a_connection_to_a_public_address_is_refused_before_a_packet_leaves() -> None:
    with pytest.raises(NetworkRefused, match=r"203\.0\.113\.7"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as raw, pytest.raises(NetworkRefused):
        raw.connect_ex(("8.8.8.8", 53))


def test_a_public_name_is_not_even_resolved() -> None:
    with pytest.raises(NetworkRefused, match=r"oapi\.dingtalk\.com"):
        socket.getaddrinfo("oapi.dingtalk.com", 443)


def test_a_robot_pointed_at_the_real_platform_raises_instead_of_sending(services: AppServices) -> None:
    """A config slip in a test (the real DingTalk URL) fails loudly; no client swallows it as a retry."""
    target = OutboundConfig(platform="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=t")
    with pytest.raises(NetworkRefused):
        DingTalkTransport(services.clock).send(target, OutboundMessage("demo", "测试"), services.cfg)
    with pytest.raises(NetworkRefused):
        httpx.get("http://example.com/")


def test_loopback_stays_open() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        accepted: list[bytes] = []

        def accept() -> None:
            conn, _ = server.accept()
            with conn:
                accepted.append(conn.recv(5))

        thread = threading.Thread(target=accept)
        thread.start()
        with socket.create_connection(("localhost", port), timeout=5) as client:
            client.sendall(b"hello")
        thread.join(timeout=5)
    assert accepted == [b"hello"]


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        (None, True),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("example.com", False),
        ("127.0.0.1.nip.io", False),
        ("localhost.evil.com", False),
    ],
)
def test_only_loopback_counts_as_local(host: str | None, allowed: bool) -> None:
    assert is_loopback(host) is allowed
