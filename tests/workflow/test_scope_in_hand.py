"""One scope, two forms: the lists' condition (``visible_q``) and the check of a ticket in
hand (``Scope.admits``, what ``access_ticket`` asks after reading a ticket by number)
agree for every user and ticket; the prepared read gives the same objects as the ORM's
queryset; the memberships' one statement gives the units below as a path query does."""

from __future__ import annotations

from decimal import Decimal
from itertools import product
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.core.errors import NotFound
from hotline.org.models import Membership, Role, Unit
from hotline.org.selectors import memberships_of, policies_in_use, units_below_memberships
from hotline.tickets.models import Ticket
from hotline.workflow.access import _BY_NUMBER, _units_under, access_ticket, tickets_visible_to
from tests.factories import register
from tests.helpers import act


def _fresh(user: Any) -> Any:
    """The user as the next request loads it: no per-request caches."""
    return get_user_model().objects.get(pk=user.pk) if user.is_authenticated else AnonymousUser()


def _tickets(users: dict[str, Any]) -> list[Ticket]:
    agent, coordinator, head = users["agent"], users["coordinator"], users["head"]
    made = [
        register(agent),
        register(agent, type="report", confidential=True, category=""),
        register(
            agent, type="consultation", close_on_the_spot={"closing_code": "answered", "result": "已答复"}
        ),
    ]
    dispatched = act(act(register(agent), "accept", agent), "dispatch", coordinator, unit="JZ-DH-SJ")
    assigned = act(
        act(act(register(agent), "accept", agent), "dispatch", coordinator, unit="JZ-DH-SJ"), "sign", head
    )
    assigned = act(assigned, "assign", head, handler="handler")
    returned = act(act(register(agent), "accept", agent), "dispatch", coordinator, unit="JZ-DH-SJ")
    returned = act(act(returned, "sign", head), "return", head, reason="不属于本单位职责")
    return [*made, dispatched, assigned, returned]


def _viewers(users: dict[str, Any], org: Any) -> list[Any]:
    # every demo role, a superuser, an anonymous visitor, a user with no role, and one with
    # two roles in two places (a handler elsewhere and an agent at a county)
    User = get_user_model()
    two = User.objects.create_user("two_roles", password="x")
    Membership.objects.create(user=two, unit=org.units["JZ-SJ"], role=Role.HANDLER)
    Membership.objects.create(user=two, unit=org.units["JZ-DH"], role=Role.AGENT)
    nobody = User.objects.create_user("no_role", password="x")
    root = User.objects.create_superuser("root_user", password="x")
    return [*users.values(), two, nobody, root, AnonymousUser()]


def test_access_in_hand_agrees_with_the_lists_for_every_user_and_ticket(users, org):
    tickets = _tickets(users)
    for viewer, ticket in product(_viewers(users, org), tickets):
        listed = tickets_visible_to(_fresh(viewer)).filter(pk=ticket.pk).exists()
        try:
            access_ticket(_fresh(viewer), ticket.number)
            opened = True
        except NotFound:
            opened = False
        assert opened == listed, (getattr(viewer, "username", "anonymous"), ticket.number, ticket.status)
    assert any(tickets_visible_to(users["handler"])), "the handler sees the one assigned to them"
    with pytest.raises(NotFound) as missing:
        access_ticket(users["coordinator"], "20990101000001")
    with pytest.raises(NotFound) as forbidden:
        access_ticket(_fresh(users["handler"]), tickets[0].number)
    assert str(missing.value).replace("20990101000001", "N") == str(forbidden.value).replace(
        tickets[0].number, "N"
    )


def _loaded(ticket: Ticket) -> dict[str, Any]:
    """Every column of the ticket and of the related objects the page reads."""

    def columns(obj: Any) -> Any:
        return (
            None if obj is None else {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        )

    category = ticket.category
    return {
        "ticket": columns(ticket),
        "unit": columns(ticket.unit),
        "owner_unit": columns(ticket.owner_unit),
        "category": columns(category),
        "parent": columns(category.parent) if category is not None else None,
        "handler": columns(ticket.handler),
        "registered_by": columns(ticket.registered_by),
    }


def test_the_prepared_read_gives_what_the_orm_gives(users):
    tickets = _tickets(users)
    Ticket.objects.filter(pk=tickets[0].pk).update(claimed_amount=Decimal("1234.50"))
    for ticket in tickets:
        orm = (
            Ticket.objects.select_related(
                "unit", "owner_unit", "category__parent", "handler", "registered_by"
            )
            .filter(number=ticket.number)
            .get()
        )
        prepared = _BY_NUMBER.first(ticket.number)
        assert prepared is not None
        with CaptureQueriesContext(connection) as reads:
            loaded = _loaded(prepared)  # the related objects came with the row
        assert reads.captured_queries == []
        assert loaded == _loaded(orm)
        assert type(loaded["ticket"]["received_at"]) is type(orm.received_at)  # converted as the ORM does
    assert _BY_NUMBER.first("20990101000001") is None


def test_one_statement_reads_the_memberships_and_the_units_below(users, org):
    new = Unit.objects.create(code="JZ-DH-SJ-X", name="新设科室", parent=org.units["JZ-DH-SJ"])
    for user in users.values():
        fresh = _fresh(user)
        with CaptureQueriesContext(connection) as reads:
            memberships = memberships_of(fresh)
            below = units_below_memberships(fresh)
        assert len(reads.captured_queries) == 1
        expected = list(Membership.objects.filter(user=user).select_related("unit").order_by("pk"))
        assert [(m.pk, m.role, m.unit) for m in memberships] == [(m.pk, m.role, m.unit) for m in expected]
        assert [m.unit.is_active for m in memberships] == [m.unit.is_active for m in expected]
        for m in expected:
            assert below[m.unit.path] == sorted(_units_under({m.unit.path}))
        if any(m.unit.covers(new) for m in expected):
            assert any(new.pk in ids for ids in below.values())


def test_the_memberships_read_knows_each_units_policy(users, org):
    def agrees() -> None:
        for user in users.values():
            for m in memberships_of(_fresh(user)):
                walked = Unit.objects.select_related("parent").get(pk=m.unit.pk)  # walks up
                assert "known_policy" not in walked.__dict__
                assert m.unit.effective_policy() == walked.effective_policy(), m.unit.code

    agrees()  # the root's policy, inherited by every unit
    # a policy on a county and another on a department below it
    Unit.objects.filter(code="JZ-DH").update(policy="telecom")
    Unit.objects.filter(code="JZ-DH-SJ").update(policy="market-12315")
    agrees()
    Unit.objects.update(policy="")  # none anywhere: the default
    agrees()


def test_the_memberships_read_knows_the_policies_in_use(users, org):
    def direct() -> set[str]:
        return set(Unit.objects.exclude(policy="").values_list("policy", flat=True))

    Unit.objects.filter(code="JZ-DH").update(policy="telecom")
    Unit.objects.filter(code="JZ-XS").update(policy="market-12315", is_active=False)  # still set
    for user in [*users.values(), AnonymousUser()]:
        fresh = _fresh(user)
        with CaptureQueriesContext(connection) as reads:
            held = memberships_of(fresh)
            found = policies_in_use(fresh)
        assert found == direct() and {"telecom", "market-12315"} <= found
        # with the memberships when there are any; else a read of its own
        expected = 1 if held or not fresh.is_authenticated else 2
        assert len(reads.captured_queries) == expected, user
    Unit.objects.update(policy="")
    assert policies_in_use(_fresh(users["agent"])) == set()
