"""The ticket page draws exactly the buttons the lifecycle table allows the signed-in user."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.tickets.lifecycle import TABLE, Role
from bot.tickets.service import TicketService
from bot.web.actions import ACTIONS
from models import TicketStatus
from tests.support.lifecycle_helpers import make_ticket
from tests.support.web_helpers import login, make_user

S = TicketStatus
_BUTTON = re.compile(r'data-action="([a-z_]+)"')
# Web account role -> its role on a 环卫中心 ticket (the "unit" account is 环卫中心's).
ROLE_ON_TICKET = {"supervisor": Role.SUPERVISOR, "unit": Role.UNIT, "viewer": None}


def expected(status: TicketStatus, role: Role | None, pending: bool) -> set[str]:
    shown = set()
    for form in ACTIONS:
        if form.needs_pending_extension is not None and form.needs_pending_extension != pending:
            continue
        rules = [TABLE.get((status, action)) for action in form.actions]
        if any(rule is not None and role in rule.who for rule in rules):
            shown.add(form.key)
    return shown


CASES = [
    (status, pending)
    for status in TicketStatus
    for pending in (False, True)
    if not pending or status in (S.DISPATCHED, S.CLAIMED)
]


@pytest.mark.parametrize("account", list(ROLE_ON_TICKET))
def test_buttons_are_the_tables(client: TestClient, services: AppServices, account: str) -> None:
    tickets = {}
    with services.session_factory() as session, session.begin():
        svc = TicketService(session, services.cfg, services.clock)
        for number, (status, pending) in enumerate(CASES):
            if status == S.TRIAGE and account == "unit":
                continue  # a triage ticket is the 创城办's: a unit account does not see it at all
            tickets[(status, pending)] = make_ticket(svc, status, pending, place=f"府前街{number}号").id
    make_user(services, "someone", account, unit="hws" if account == "unit" else None)
    login(client, "someone")
    for (status, pending), n in tickets.items():
        page = client.get(f"/tickets/{n}")
        assert page.status_code == 200
        drawn = set(_BUTTON.findall(page.text))
        assert drawn == expected(status, ROLE_ON_TICKET[account], pending), (status, pending)


def test_what_each_account_sees_in_words(client: TestClient, services: AppServices) -> None:
    """The table's effect spelled out for three common pages."""
    assert expected(S.DISPATCHED, Role.UNIT, False) == {"claim", "fix", "extend", "return"}
    assert expected(S.DISPATCHED, Role.SUPERVISOR, True) == {
        "claim",
        "fix",
        "reassign",
        "recategorize",
        "approve",
        "reject",
        "cancel",
    }
    assert expected(S.FIXED, Role.SUPERVISOR, False) == {"verify", "cancel"}
    assert expected(S.FIXED, Role.UNIT, False) == set()
    assert expected(S.CLOSED, Role.SUPERVISOR, False) == set()
    assert expected(S.CLOSED, None, False) == set()
