"""Web ledger test helpers: make a user, sign in through the form, read a page's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.web.accounts.users import create_user

PASSWORD = "correct-horse-9"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    services: AppServices, name: str, role: str, unit: str | None = None, display_name: str | None = None
) -> None:
    with services.session_factory() as session, session.begin():
        create_user(
            session,
            services.cfg,
            username=name,
            password=PASSWORD,
            role=role,
            unit=unit,
            now=services.clock.now(),
            display_name=display_name,
        )


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in; returns the session's CSRF token (read from the ledger page)."""
    answer = client.post("/login", data={"username": name, "password": password}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/").text)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1)
