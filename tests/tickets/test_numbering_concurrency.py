"""Concurrent intake never shares a number (PostgreSQL and SQLite)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from hotline.tickets.models import DailySequence, Ticket
from hotline.workflow.registration import ticket_register
from tests.factories import DraftFactory, register


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_numbers(org):
    agent = org.users["agent"]
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def intake() -> None:
        try:
            start.wait()
            for _ in range(5):
                numbers.append(register(agent).number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 30 == len(set(numbers))
    seqs = sorted(int(n[-6:]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 30))
    assert Ticket.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_registration_does_not_wait_for_another_ones_transaction_on_postgresql(org):
    """Issue 17 item 1: the day's number row is locked for one statement on PostgreSQL,
    not until the registering transaction commits. SQLite has one writer: there the second
    registration waits for the first to commit, as any write does."""
    agent = org.users["agent"]
    holding, released = threading.Event(), threading.Event()
    first: list[str] = []

    def slow_intake() -> None:
        try:
            with transaction.atomic():
                first.append(register(agent).number)
                holding.set()
                released.wait(timeout=2)  # the transaction stays open until then
        finally:
            connection.close()

    thread = threading.Thread(target=slow_intake)
    thread.start()
    assert holding.wait(timeout=10)
    second = register(agent).number
    done_while_open = not released.is_set() and thread.is_alive()
    released.set()
    thread.join()
    assert int(second[-6:]) == int(first[0][-6:]) + 1
    if connection.vendor == "postgresql":
        assert done_while_open  # it did not wait for the other transaction
    else:
        assert not done_while_open or not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_a_failed_registration_leaves_a_gap_on_postgresql_and_nothing_on_sqlite(org):
    agent = org.users["agent"]
    before = register(agent)

    def fail(ticket: Ticket) -> None:
        raise RuntimeError("the process dies after the number was taken")

    with pytest.raises(RuntimeError):
        ticket_register(draft=DraftFactory(), actor=agent, then=fail)
    after = register(agent)
    gap = 2 if connection.vendor == "postgresql" else 1  # taken apart, or rolled back with the rest
    assert int(after.number[-6:]) == int(before.number[-6:]) + gap
    assert Ticket.objects.count() == 2
    assert DailySequence.objects.get(day=timezone.localdate()).last == int(after.number[-6:])


@pytest.mark.django_db(transaction=True)
def test_numbers_survive_the_server_dropping_the_connection_apart(org):
    agent = org.users["agent"]
    first = register(agent)
    apart = getattr(connection, "apart", None)
    if connection.vendor != "postgresql":
        assert apart is None  # SQLite: the upsert runs in the registering transaction
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [apart().info.backend_pid])
    second = register(agent)  # the dead connection is noticed and replaced
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    connection.close()
    assert connection._apart is None  # closed with Django's connection


@pytest.mark.django_db(transaction=True)
def test_a_registration_takes_few_statements(org, django_assert_max_num_queries):
    """Issue 17 item 1: 25 statements in the registering transaction before (the number's
    upsert among them); now the upsert is apart on PostgreSQL, the first event needs no
    ``MAX(seq)``, the sweep schedule is one upsert, and the listeners skip what a new
    ticket cannot have (a return visit)."""
    agent = org.users["agent"]
    register(agent)  # the caches a process keeps (packs, calendar) are warm
    agent = type(agent).objects.get(pk=agent.pk)  # a new request's user
    # SQLite: the upsert too, and four statements of its FTS5 tables for the search index
    inside = 17 if connection.vendor == "postgresql" else 20
    with django_assert_max_num_queries(inside + 2):  # + BEGIN and COMMIT
        register(agent)
