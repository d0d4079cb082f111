"""Group commit: messages written together in one transaction, each answered after the commit,
one message's failure never costing the others theirs, a retry in the same batch counted once."""

from __future__ import annotations

import asyncio
from concurrent.futures import wait
from dataclasses import replace
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.chat.group_commit import GroupCommit, LoopGroupCommit
from bot.chat.messages import IncomingMessage, Outcome
from bot.core.open_transactions import watch_open_transactions
from bot.tickets.routing_memory import learned_rows_changed
from models import InboundMessage, Ticket

REPORTS = ["府前街与南环路交叉口西北角垃圾堆了两天了", "东关大街12号门口井盖丢了", "妫水北街有人乱贴小广告"]


def message(n: int, text: str, sender: str = "wgy_li") -> IncomingMessage:
    return IncomingMessage("generic", f"gc-{n}", "demo", sender, "李网格", text)


def counts(services: AppServices) -> tuple[int, int]:
    with services.session_factory() as session:
        inbound = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
    return inbound, tickets


def test_a_batch_is_stored_and_every_message_gets_its_own_answer(services: AppServices) -> None:
    batch = [(services.intake.read(message(n, text)), ()) for n, text in enumerate(REPORTS)]
    results = services.intake.handle_batch(batch)
    assert all(isinstance(result, Outcome) for result in results)
    numbers = [ticket for result in results if isinstance(result, Outcome) for ticket in result.tickets]
    assert len(numbers) == 3 and len(set(numbers)) == 3
    assert all("已登记" in result.replies[0].text for result in results if isinstance(result, Outcome))
    assert counts(services) == (3, 3)


def test_one_failing_message_is_rolled_back_alone(services: AppServices) -> None:
    def break_the_second(session: Session, msg: IncomingMessage, outcome: Outcome, now: datetime) -> None:
        if msg.msg_id == "gc-1":
            raise RuntimeError("photo queue unavailable")

    batch = [(services.intake.read(message(n, text)), (break_the_second,)) for n, text in enumerate(REPORTS)]
    results = services.intake.handle_batch(batch)
    assert isinstance(results[0], Outcome) and isinstance(results[2], Outcome)
    assert isinstance(results[1], RuntimeError)
    assert counts(services) == (2, 2)  # the failed message left no row and no ticket behind
    with services.session_factory() as session:
        stored = set(session.scalars(select(InboundMessage.msg_id)))
    assert stored == {"gc-0", "gc-2"}
    # the platform retries the failed one: it is taken in then, once
    again = services.intake.handle(message(1, REPORTS[1]))
    assert again.tickets and counts(services) == (3, 3)


def test_a_retry_inside_the_same_batch_is_counted_once_and_gets_the_same_answer(services: AppServices) -> None:
    first = message(7, REPORTS[0])
    batch = [(services.intake.read(first), ()), (services.intake.read(first), ())]
    results = services.intake.handle_batch(batch)
    assert isinstance(results[0], Outcome) and isinstance(results[1], Outcome)
    assert results[0].to_json() == results[1].to_json()
    assert counts(services) == (1, 1)


def test_the_writer_answers_each_caller_after_the_commit(services: AppServices) -> None:
    writer = GroupCommit(services.intake, max_batch=4)
    try:
        futures = [writer.submit(services.intake.read(message(n % 3, text))) for n, text in enumerate(REPORTS * 3)]
        done, _ = wait(futures, timeout=60)
        assert len(done) == 9
        results = [future.result() for future in futures]
    finally:
        writer.stop()
    assert counts(services) == (3, 3)  # msg ids repeat every three: the repeats are retries
    assert (
        [r.to_json() for r in results[:3]] == [r.to_json() for r in results[3:6]] == [r.to_json() for r in results[6:]]
    )


def test_the_writer_thread_goes_on_after_a_caller_went_away(services: AppServices) -> None:
    """A caller whose request was cancelled (the platform hung up) must not stop the writer."""
    writer = GroupCommit(services.intake, max_batch=4)
    try:
        gone = writer.submit(services.intake.read(message(20, REPORTS[0])))
        gone.cancel()
        later = writer.submit(services.intake.read(message(21, REPORTS[1])))
        assert later.result(timeout=60).tickets
    finally:
        writer.stop()
    assert counts(services) == (2, 2)  # the cancelled caller's message was stored all the same


def test_messages_read_together_on_the_event_loop_are_written_in_one_batch(services: AppServices) -> None:
    writer = LoopGroupCommit(services.intake, lambda: False)
    batches: list[int] = []
    handle_batch = services.intake.handle_batch

    def counted(batch: list) -> list:  # type: ignore[type-arg]
        batches.append(len(batch))
        return handle_batch(batch)

    services.intake.handle_batch = counted  # type: ignore[method-assign]

    async def post_all() -> list[Outcome]:
        reads = [services.intake.read(message(n % 3, text)) for n, text in enumerate(REPORTS * 2)]
        return list(await asyncio.gather(*(writer.write(read) for read in reads)))

    results = asyncio.run(post_all())
    assert batches == [6]  # one transaction for the six, one commit
    assert counts(services) == (3, 3)  # the last three are retries of the first three
    assert [r.to_json() for r in results[:3]] == [r.to_json() for r in results[3:]]
    assert all(r.tickets for r in results)


def test_a_message_whose_caller_went_away_on_the_loop_is_stored_and_the_others_answered(
    services: AppServices,
) -> None:
    writer = LoopGroupCommit(services.intake, lambda: False)

    async def one_hangs_up() -> Outcome:
        gone = asyncio.ensure_future(writer.write(services.intake.read(message(30, REPORTS[0]))))
        stays = asyncio.ensure_future(writer.write(services.intake.read(message(31, REPORTS[1]))))
        await asyncio.sleep(0)  # both are queued for the next write
        gone.cancel()
        return await stays

    assert asyncio.run(one_hangs_up()).tickets
    assert counts(services) == (2, 2)


def test_the_loop_writer_never_waits_for_a_transaction_held_on_the_loop(services: AppServices) -> None:
    """A coroutine holding a session across an `await` (SQLite: the write lock) while a message
    comes in: writing on the loop would wait for a lock the loop itself must release."""
    if services.engine.dialect.name != "sqlite":
        pytest.skip("one write lock for the whole database is SQLite's")
    writer = LoopGroupCommit(services.intake, watch_open_transactions(services.engine))

    read = services.intake.read(message(50, REPORTS[0]))

    async def hold_the_lock_while_a_message_arrives() -> Outcome:
        with services.session_factory() as session, session.begin():
            session.execute(select(1))  # BEGIN IMMEDIATE: the write lock is ours
            pending = asyncio.ensure_future(writer.write(read))
            for _ in range(3):  # the writer runs (call_soon) and hands the batch to a thread
                await asyncio.sleep(0)
            assert not pending.done()  # it waits for our commit, on its thread
        return await pending  # committed: the lock is free

    assert asyncio.run(hold_the_lock_while_a_message_arrives()).tickets
    assert counts(services) == (1, 1)


def test_sqlite_is_written_on_the_loop_and_postgresql_on_a_thread(services: AppServices) -> None:
    settings = services.settings
    built = build_services(settings, services.cfg, services.clock, services.engine)
    on_sqlite = services.engine.dialect.name == "sqlite"
    assert isinstance(built.group_commit, LoopGroupCommit if on_sqlite else GroupCommit)
    chosen = build_services(
        settings.model_copy(update={"intake_writer": "thread"}), services.cfg, engine=services.engine
    )
    assert isinstance(chosen.group_commit, GroupCommit)
    chosen = build_services(settings.model_copy(update={"intake_writer": "loop"}), services.cfg, engine=services.engine)
    assert isinstance(chosen.group_commit, LoopGroupCommit)


@pytest.mark.parametrize("group_commit", [True, False])
def test_webhook_messages_posted_together_are_all_answered_and_stored_once(
    services: AppServices, group_commit: bool
) -> None:
    if not group_commit:
        services.group_commit = None
    assert (services.group_commit is not None) == group_commit
    with TestClient(create_app(services)) as client:
        bodies = [
            {"msg_id": f"w-{n}", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格", "text": text}
            for n, text in enumerate([*REPORTS, "收到", "好的"])
        ]
        answers = [client.post("/webhook/generic", json=body) for body in bodies + bodies[:2]]
    assert [a.status_code for a in answers] == [200] * 7
    assert answers[5].json() == answers[0].json() and answers[6].json() == answers[1].json()
    assert counts(services) == (5, 3)


def test_the_event_loop_reads_a_message_only_when_that_needs_no_database(services: AppServices) -> None:
    """The webhook reads on the event loop unless the read may wait on a connection."""
    plain = message(40, REPORTS[0])
    services.intake.read(plain)  # reads the learned words once
    assert not services.intake.reads_database(plain)
    assert services.intake.reads_database(replace(plain, quoted_msg_id="om_1"))  # its #N is in the record
    assert not services.intake.reads_database(replace(plain, quoted_text="已登记 #3", quoted_msg_id="om_1"))
    learned_rows_changed()  # a correction was stored: the next read fetches the words again
    assert services.intake.reads_database(plain)
    services.intake.read(plain)
    assert not services.intake.reads_database(plain)
