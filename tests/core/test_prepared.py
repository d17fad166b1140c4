"""core.prepared: a queryset compiled once gives what the queryset gives, run after run,
objects or tuples, with the ORM's conversions; a queryset it cannot take is refused."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from hotline.core.prepared import INT_MARKER, INT_MARKER_2, Prepared
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register
from tests.helpers import act


def test_objects_and_tuples_as_the_orm_gives_them(users):
    one = act(register(users["agent"]), "accept", users["agent"])
    two = register(users["agent"])
    events = Prepared(
        lambda ticket_id: (
            TicketEvent.objects.filter(ticket_id=ticket_id).select_related("actor").order_by("seq")
        ),
        marker=INT_MARKER,
    )
    rows = Prepared(
        lambda number: Ticket.objects.filter(number=number).values_list("pk", "received_at", "confidential"),
    )
    for _ in range(2):  # the second run uses what the first compiled
        for ticket in (one, two):
            expected = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("seq"))
            got = events.all(ticket.pk)
            assert [(e.pk, e.action, e.created_at, e.payload, e.actor) for e in got] == [
                (e.pk, e.action, e.created_at, e.payload, e.actor) for e in expected
            ]
            (row,) = rows.all(ticket.number)
            assert row == (ticket.pk, ticket.received_at, False)
            assert isinstance(row[1], datetime) and row[1].tzinfo is not None
    assert [e.action for e in events.all(one.pk)] == ["register", "accept"]
    assert events.first(-1) is None and rows.all("nope") == []


def test_a_queryset_without_its_marker_is_refused_and_one_used_twice_gets_the_value_twice(users):
    no_marker = Prepared(lambda _value: Ticket.objects.filter(number="20260101000001"))
    with pytest.raises(ValueError, match="found none"):
        no_marker.all("x")
    one, two = register(users["agent"], subject="甲"), register(users["agent"], subject="乙")
    twice = Prepared(
        lambda value: (Ticket.objects.filter(number=value) | Ticket.objects.filter(subject=value)).order_by(
            "pk"
        )
    )
    assert twice.all(one.number) == [one] and twice.all("乙") == [two] and twice.all("丙") == []
    dicts = Prepared(lambda value: Ticket.objects.filter(number=value).values("pk"))
    with pytest.raises(ValueError, match="objects or tuples"):
        dicts.all("x")


def test_a_new_prepared_query_runs_its_own_sql_not_a_gone_ones(users):
    # CPython gives a new object the address of one just freed: a cache keyed by id()
    # answered the second query with the first one's SQL (seen once in CI)
    ticket = register(users["agent"], subject="短命的查询")
    for i in range(20):
        by_number = i % 2 == 0
        prepared = Prepared(
            (lambda v: Ticket.objects.filter(number=v))
            if by_number
            else (lambda v: Ticket.objects.filter(subject=v))
        )
        assert prepared.all(ticket.number if by_number else ticket.subject) == [ticket], i
        del prepared


def test_two_parameters_each_in_its_places(users):
    one = act(
        act(register(users["agent"]), "accept", users["agent"]), "dispatch", users["agent"], unit="JZ-DH-SJ"
    )
    two = register(users["agent"])
    first = {t.pk: t.events.order_by("seq").first().pk for t in (one, two)}
    after = Prepared(
        lambda ticket_id, event_id: (
            TicketEvent.objects.filter(ticket_id=ticket_id, pk__gt=event_id)
            .order_by("seq")
            .values_list("action")
        ),
        marker=(INT_MARKER, INT_MARKER_2),
    )
    for _ in range(2):
        assert after.all((one.pk, first[one.pk])) == [("accept",), ("dispatch",)]
        assert after.all((one.pk, 0)) == [("register",), ("accept",), ("dispatch",)]
        assert after.all((two.pk, 0)) == [("register",)] and after.all((two.pk, first[two.pk])) == []
    half = Prepared(
        lambda ticket_id, _unused: TicketEvent.objects.filter(ticket_id=ticket_id),
        marker=(INT_MARKER, INT_MARKER_2),
    )
    with pytest.raises(ValueError, match="found none"):
        half.all((one.pk, 1))


@pytest.mark.django_db(transaction=True)  # it closes the connection: no test transaction around it
def test_a_named_query_is_prepared_once_a_session_on_postgresql(users, settings):
    """ADR 0029: a named query runs as ``EXECUTE`` of a statement PostgreSQL prepared on the
    session's first use (not a statement of the caller's), the same objects as unnamed; a
    new session prepares it again; switched off, or on SQLite, the SQL runs as it is."""
    one = register(users["agent"], subject="引号'与百分号%s")
    two = register(users["agent"])

    def build(value: str) -> QuerySet[Ticket]:
        return Ticket.objects.select_related("unit", "registered_by").filter(subject=value).order_by("pk")

    named, plain = Prepared(build, name="test_by_subject"), Prepared(build)
    postgres = connection.vendor == "postgresql"
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert named.all(one.subject) == plain.all(one.subject) == [one]
            assert named.first(two.subject) == two and named.all("无此主题") == []
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) == 4 and not any(s.startswith("PREPARE") for s in sql)
        assert sql[0].startswith(f"EXECUTE {named.statement} (") == postgres, sql[0]
        assert named.all(one.subject)[0].unit == one.unit
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [named.statement]
                )
                assert cursor.fetchone() == (1,)
        connection.close()  # a new session: prepared again on its first use
    settings.HOTLINE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries:
        assert named.all(one.subject) == [one]
    assert queries.captured_queries[0]["sql"].startswith("SELECT")
