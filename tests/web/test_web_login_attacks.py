"""Attacks on the login form (issue 14, findings 1, 2, 14, 19): each test sends what an
attacker sends and checks what they must not get."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.cli.main import main
from bot.core.clock import ManualClock
from models import LoginThrottle
from tests.support.server_process import capture_serve
from tests.support.web_helpers import PASSWORD, make_user

WRONG = "not-the-password-1"


@contextmanager
def client_from(services: AppServices, address: str) -> Iterator[TestClient]:
    with TestClient(create_app(services), client=(address, 40000)) as client:
        yield client


def with_settings(services: AppServices, **changes: Any) -> AppServices:
    settings = services.settings.model_copy(update=changes)
    return build_services(settings, services.cfg, clock=services.clock, engine=services.engine)


def attempt(client: TestClient, name: str, password: str, **headers: str) -> int:
    data = {"username": name, "password": password}
    return client.post("/login", data=data, headers=headers, follow_redirects=False).status_code


def throttle_rows(services: AppServices) -> int:
    with services.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(LoginThrottle)) or 0)


def test_a_stranger_failing_from_their_address_does_not_lock_the_user_out(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    with client_from(services, "198.51.100.66") as stranger:
        codes = [attempt(stranger, "wang", WRONG) for _ in range(12)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, "the stranger is slowed down"
    with client_from(services, "203.0.113.10") as owner:
        assert attempt(owner, "wang", PASSWORD) == 303, "the user still gets in from their own address"


def test_empty_passwords_are_refused_before_anything_is_counted(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    with client_from(services, "198.51.100.66") as attacker:
        for _ in range(50):
            answer = attacker.post("/login", data={"username": "wang", "password": ""})
            assert answer.status_code == 400 and "请输入用户名和密码" in answer.text
        assert throttle_rows(services) == 0, "no row, no lookup: an empty password costs nothing"
        assert attempt(attacker, "wang", PASSWORD) == 303


def test_one_address_spraying_many_accounts_is_stopped(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    with client_from(services, "198.51.100.66") as sprayer:
        codes = [attempt(sprayer, f"user{n}", WRONG) for n in range(20)]
        assert codes == [401] * 20
        assert attempt(sprayer, "user99", WRONG) == 429, "a fresh name does not reset the address's count"
        assert attempt(sprayer, "wang", PASSWORD) == 429


def test_the_wait_doubles_with_each_further_failure(services: AppServices, clock: ManualClock) -> None:
    make_user(services, "wang", "supervisor")
    with client_from(services, "198.51.100.66") as attacker:
        for _ in range(5):
            assert attempt(attacker, "wang", WRONG) == 401
        for minutes in (1, 2, 4, 8):
            blocked = attacker.post("/login", data={"username": "wang", "password": WRONG})
            assert blocked.status_code == 429 and f"请{minutes}分钟后" in blocked.text
            assert blocked.headers["retry-after"] == str(minutes * 60)
            clock.advance(timedelta(minutes=minutes, seconds=1))
            assert attempt(attacker, "wang", WRONG) == 401, "one more guess once the wait is over"


def test_a_new_forwarded_for_per_request_does_not_dodge_the_limit(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    with client_from(services, "127.0.0.1") as attacker:  # loopback, as behind `guanjia serve`
        codes = [attempt(attacker, "wang", WRONG, **{"X-Forwarded-For": f"10.9.{n}.1"}) for n in range(8)]
        codes += [attempt(attacker, "wang", WRONG, **{"X-Real-IP": f"10.8.{n}.1"}) for n in range(2)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}


def test_a_trusted_proxy_names_the_client_but_a_forged_hop_does_not(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    behind_proxy = with_settings(services, trusted_proxies="10.0.0.0/8, ::1")
    with client_from(behind_proxy, "10.0.0.2") as proxy:
        # The attacker (198.51.100.66) writes a new left-most hop each time; the proxy appends the real address.
        codes = [attempt(proxy, "wang", WRONG, **{"X-Forwarded-For": f"1.2.3.{n}, 198.51.100.66"}) for n in range(7)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
        assert attempt(proxy, "wang", PASSWORD, **{"X-Forwarded-For": "203.0.113.10"}) == 303, (
            "everyone behind the proxy is not locked out together"
        )


def test_sixty_concurrent_guesses_get_at_most_five_password_checks(
    services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.web.accounts.users as users

    make_user(services, "wang", "supervisor")
    checked: list[str] = []
    lock = threading.Lock()
    real_verify = users.verify_password

    def counting_verify(stored: str | None, password: str) -> bool:
        with lock:
            checked.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(users, "verify_password", counting_verify)
    codes: list[int] = []
    start = threading.Barrier(60)
    with client_from(services, "198.51.100.66") as attacker:

        def guess(n: int) -> None:
            start.wait()
            code = attempt(attacker, "wang", f"guess-number-{n}")
            with lock:
                codes.append(code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(60)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(checked) <= 5, f"{len(checked)} passwords checked"
    assert codes.count(401) == len(checked) and codes.count(429) == 60 - len(checked)


def test_the_throttle_is_shared_by_workers_and_survives_a_restart(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    worker_a, worker_b = with_settings(services), with_settings(services)
    with client_from(worker_a, "198.51.100.66") as a, client_from(worker_b, "198.51.100.66") as b:
        assert [attempt(a, "wang", WRONG), attempt(b, "wang", WRONG), attempt(a, "wang", WRONG)] == [401] * 3
        assert [attempt(b, "wang", WRONG), attempt(a, "wang", WRONG)] == [401] * 2
        assert attempt(b, "wang", WRONG) == 429 and attempt(a, "wang", PASSWORD) == 429
    restarted = with_settings(services)
    with client_from(restarted, "198.51.100.66") as after_restart:
        assert attempt(after_restart, "wang", PASSWORD) == 429


def test_the_throttle_table_stays_bounded(services: AppServices, clock: ManualClock) -> None:
    behind_proxy = with_settings(services, trusted_proxies="10.0.0.2")
    with client_from(behind_proxy, "10.0.0.2") as proxy:
        for n in range(25):
            assert attempt(proxy, f"name{n}", WRONG, **{"X-Forwarded-For": f"198.51.{n}.7"}) == 401
        assert throttle_rows(services) == 50
        clock.advance(timedelta(hours=6, minutes=1))
        assert attempt(proxy, "late", WRONG, **{"X-Forwarded-For": "203.0.113.10"}) == 401
    assert throttle_rows(services) == 2, "old rows are deleted as logins go on"


def test_failed_logins_are_logged_without_the_password(services: AppServices, caplog: pytest.LogCaptureFixture) -> None:
    make_user(services, "wang", "supervisor")
    caplog.set_level(logging.INFO, logger="bot.web.accounts.auth_routes")
    with client_from(services, "198.51.100.66") as attacker:
        assert attempt(attacker, "wang", "secret-guess-xyz") == 401
    failed = [r.getMessage() for r in caplog.records if "login failed" in r.getMessage()]
    assert failed == ["web login failed: account 'wang' from 198.51.100.66"]
    assert "secret-guess-xyz" not in caplog.text


def test_serve_turns_off_uvicorns_trust_in_loopback_forwarded_headers(
    services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = capture_serve(monkeypatch, services.settings.database_url)
    monkeypatch.setenv("GUANJIA_WEB_SECURE_COOKIES", "false")
    assert main(["serve", "--host", "127.0.0.1", "--port", "8123"]) == 0
    assert ran["proxy_headers"] is False and ran["forwarded_allow_ips"] == ""
    assert ran["app"].state.services.settings.web_secure_cookies is False
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123"]) == 0
    assert ran["app"].state.services.settings.web_secure_cookies is True, "off loopback the cookie is Secure"


def test_a_bad_proxy_list_or_public_url_is_a_clear_configuration_error() -> None:
    from pydantic import ValidationError

    from config.settings import Settings

    with pytest.raises(ValidationError, match=r"'proxy\.local' is not an address or CIDR"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.local")
    with pytest.raises(ValidationError, match="GUANJIA_PUBLIC_URL must look like"):
        Settings(public_url="ledger.example.cn")
    assert Settings(public_url="https://ledger.example.cn/").public_url == "https://ledger.example.cn"
