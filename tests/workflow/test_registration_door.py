"""One ``ticket_register`` for every door: idempotent on its source, on-the-spot close inside
it, intake roles, links in scope, and the subscribers it feeds."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hotline.core.errors import Forbidden, InvalidInput
from hotline.tickets.models import Ticket, TicketEvent, TicketLink
from hotline.workflow import events
from hotline.workflow.kinds import EventKind
from tests.factories import MembershipFactory, UnitFactory, register


def test_the_same_source_registers_once(users):
    first = register(users["agent"], channel="email", source="<abc@mail.example>")
    again = register(users["agent"], channel="email", source="<abc@mail.example>", subject="重发的邮件")
    assert again.pk == first.pk
    assert Ticket.objects.filter(source="<abc@mail.example>").count() == 1
    assert TicketEvent.objects.filter(ticket=first).count() == 1
    other_channel = register(users["agent"], channel="sms", source="<abc@mail.example>")
    assert other_channel.pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_source_make_one_ticket(org):
    agent = org.users["agent"]
    got: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def push() -> None:
        try:
            start.wait()
            got.append(register(agent, channel="transfer", source="PROV-2026-0001").pk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=push) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(got)) == 1
    assert Ticket.objects.filter(source="PROV-2026-0001").count() == 1


def test_on_the_spot_close_happens_in_the_same_registration(users):
    ticket = register(
        users["agent"],
        type="consultation",
        policy="enterprise",
        close_on_the_spot={"closing_code": "on_the_spot", "result": "已按知识库口径当场答复"},
    )
    assert (ticket.status, ticket.closing_code) == ("closed", "on_the_spot")
    actions = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions == ["register", "close"]


def test_on_the_spot_close_refused_where_the_pack_offers_none_leaves_nothing(users):
    before = Ticket.objects.count()
    with pytest.raises(InvalidInput) as refused:
        register(users["agent"], type="complaint", policy="enterprise", close_on_the_spot={"result": "x"})
    assert refused.value.code == "no_on_the_spot_close"
    assert Ticket.objects.count() == before


@pytest.mark.parametrize("role", ["head", "handler", "leader"])
def test_roles_without_intake_rights_cannot_register_by_naming_a_unit(users, role):
    unit = users[role].memberships.first().unit
    before = Ticket.objects.count()
    with pytest.raises(Forbidden) as refused:
        register(users[role], unit=unit.code)
    assert refused.value.code in ("unit_out_of_scope", "no_intake_role")
    assert Ticket.objects.count() == before


def test_a_link_to_a_ticket_out_of_scope_answers_like_a_missing_one(users):
    county = UnitFactory(kind="department", parent=users["agent"].memberships.first().unit)
    county_agent = MembershipFactory(unit=county, role="agent").user
    hidden = register(users["agent"])  # taken in at the centre: the county agent cannot see it
    before = Ticket.objects.count()
    with pytest.raises(InvalidInput) as out_of_scope:
        register(county_agent, links=[("related", hidden.number)])
    with pytest.raises(InvalidInput) as missing:
        register(county_agent, links=[("related", "20991231999999")])
    assert out_of_scope.value.code == missing.value.code == "invalid_link"
    assert out_of_scope.value.detail.replace(hidden.number, "N") == missing.value.detail.replace(
        "20991231999999", "N"
    )
    assert Ticket.objects.count() == before
    linked = register(users["agent"], links=[("related", hidden.number), ("related", hidden.number)])
    assert TicketLink.objects.filter(ticket=linked).count() == 1


def test_after_commit_subscribers_hear_committed_events_only(users, django_capture_on_commit_callbacks):
    heard: list[tuple[int, int]] = []

    def listener(ticket_id: int, event_id: int) -> None:
        heard.append((ticket_id, event_id))

    events.on_event_committed(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = register(users["agent"])
        event = TicketEvent.objects.get(ticket=ticket)
        assert heard == [(ticket.pk, event.pk)]
    finally:
        # only ours: the apps' own (similar's repeat detection) stay for the tests after this
        events.committed_listeners.remove(listener)


def test_an_undeclared_event_kind_is_refused(users):
    ticket = register(users["agent"])
    with pytest.raises(ValueError):
        events.record_event(
            ticket, action="poke", actor=None, now=ticket.registered_at, from_stage="", from_status=""
        )
    assert EventKind("register") is EventKind.REGISTER
