"""HTTP for photo downloads: public addresses only, every redirect re-checked, bodies capped while streaming.

A photo URL or a redirect could point the server at itself, the cloud metadata service
(169.254.169.254) or the office network; a "photo" could be 384 MiB. So every host is
resolved here and *every* address it resolves to must be public; the connection then goes to
the address that was checked (no second lookup an attacker's DNS could answer differently);
redirects are followed by hand, each hop checked the same way; and a body is read in chunks
and abandoned the moment it passes the cap, so memory never holds more than the cap.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

MAX_REDIRECTS = 3
API_ANSWER_BYTES = 1024 * 1024  # a token or a download URL: JSON far below this
Resolver = Callable[[str, int], list[str]]


class MediaRefused(Exception):
    """A download that must not be retried: it would be refused the same way every time."""


class AddressRefused(MediaRefused):
    pass


class TooLarge(MediaRefused):
    pass


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc  # may be transient: retried
    return [str(info[4][0]) for info in infos]


def _refused_reason(address: str, allow_loopback: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if not ip.is_global or ip.is_multicast:
        return "not public"
    return None


@dataclass(frozen=True)
class _Target:
    url: httpx.URL  # with the checked address in place of the host name
    host_header: str
    sni: str | None


class SafeHttp:
    """One client for one platform's downloads; `allow_loopback` only for tests and development."""

    def __init__(
        self,
        max_bytes: int,
        allow_loopback: bool = False,
        timeout: float = 20,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.max_bytes = max_bytes
        self.allow_loopback = allow_loopback
        self.resolver = resolver
        # trust_env=False: no proxy from the environment, which would see the name, not our address.
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=verify)

    def check(self, url: str) -> _Target:
        """The pinned target of `url`, or AddressRefused naming why."""
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise AddressRefused(f"not an http(s) URL: {url[:80]}")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses = self.resolver(parsed.host, port)
        if not addresses:
            raise OSError(f"{parsed.host} resolves to nothing")
        for address in addresses:
            reason = _refused_reason(address, self.allow_loopback)
            if reason is not None:
                raise AddressRefused(f"{parsed.host} resolves to a {reason} address ({address})")
        host_header = parsed.netloc.decode("ascii")
        sni = parsed.host if parsed.scheme == "https" else None
        return _Target(parsed.copy_with(host=addresses[0]), host_header, sni)

    def api_json(self, method: str, url: str, **kwargs: Any) -> Any:
        """A platform API's JSON answer (token, download URL), itself capped."""
        body, _ = self._fetch(method, url, API_ANSWER_BYTES, **kwargs)
        return json.loads(body)

    def download(self, method: str, url: str, **kwargs: Any) -> tuple[bytes, str]:
        """(body, content type), refused once the body would pass `max_bytes`."""
        return self._fetch(method, url, self.max_bytes, **kwargs)

    def _fetch(
        self,
        method: str,
        url: str,
        cap: int,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[bytes, str]:
        for _ in range(MAX_REDIRECTS + 1):
            target = self.check(url)
            # Compressed bodies are refused by asking for none: a small gzip can inflate past any cap.
            sent = {**(headers or {}), "Host": target.host_header, "Accept-Encoding": "identity"}
            extensions = {"sni_hostname": target.sni} if target.sni else {}
            request = self.client.build_request(
                method, target.url, params=params, json=json_body, headers=sent, extensions=extensions
            )
            response = self.client.send(request, stream=True)
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(str(request.url.copy_with(host=httpx.URL(url).host)), response.headers["location"])
                    # The next hop may be another host: it gets neither the body nor the token headers.
                    method, params, json_body, headers = "GET", None, None, None
                    continue
                response.raise_for_status()
                return _read_capped(response, cap), response.headers.get("content-type", "")
            finally:
                response.close()
        raise MediaRefused(f"more than {MAX_REDIRECTS} redirects")


def _read_capped(response: httpx.Response, cap: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"declared {declared} bytes, the cap is {cap}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw(64 * 1024):
        size += len(chunk)
        if size > cap:
            raise TooLarge(f"more than {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
