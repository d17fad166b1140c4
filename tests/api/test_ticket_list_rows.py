"""The list API's hand-built rows (``hotline.api.ticket_list``) equal DRF's generic walk of
the same declared fields, for every viewer and kind of ticket: masked and not, with and
without a handler and category, overdue, suspended, closed."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from hotline.api.serializers import TicketOut
from hotline.api.ticket_list import LIST_FIELDS, TicketListOut, list_rows
from hotline.tickets.models import Ticket
from hotline.workflow.access import tickets_visible_to
from tests.factories import register
from tests.helpers import act


class GenericListOut(TicketOut):
    """The same fields through DRF's own ``to_representation``."""

    class Meta(TicketOut.Meta):
        fields = LIST_FIELDS
        read_only_fields = fields


def _tickets(users: dict[str, Any]) -> None:
    register(users["agent"])
    register(users["agent"], type="report", confidential=True, category="")
    register(users["agent"], type="consultation", severity="urgent")
    ticket = act(register(users["agent"]), "accept", users["agent"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    act(act(ticket, "sign", users["head"]), "assign", users["head"], handler="handler")
    late = register(users["agent"], received_at=timezone.now() - timedelta(days=200))
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=3))
    register(
        users["agent"],
        type="consultation",
        close_on_the_spot={"closing_code": "answered", "result": "已当场答复"},
    )


def test_hand_built_rows_equal_the_generic_walk_for_every_viewer(users):
    _tickets(users)
    for role in ("agent", "coordinator", "head", "handler", "leader"):
        viewer = users[role]
        context = {"request": SimpleNamespace(user=viewer)}
        rows = list(list_rows(tickets_visible_to(viewer)).order_by("pk"))
        full = list(tickets_visible_to(viewer).order_by("pk"))
        assert [row[0] for row in rows] == [t.pk for t in full]
        fast = TicketListOut(rows, many=True, context=context).data
        assert fast == TicketListOut(full, many=True, context=context).data  # a Ticket reads the same
        generic = GenericListOut(full, many=True, context=context).data
        assert [dict(row) for row in fast] == [dict(row) for row in generic], role
        assert all(list(row) == LIST_FIELDS for row in fast)
    assert any(row["complainant"]["masked"] for row in fast)  # the report's identity is hidden


def test_the_list_api_answers_the_hand_built_rows_in_few_statements(
    users, api, django_assert_max_num_queries
):
    _tickets(users)
    with django_assert_max_num_queries(8):  # session, user, scope, count, rows (and savepoints)
        body = api(users["coordinator"]).get("/api/v1/tickets/?page_size=50").json()
    numbers = [row["number"] for row in body["results"]]
    assert numbers and len(numbers) == body["count"]
    expected = GenericListOut(
        tickets_visible_to(users["coordinator"]).filter(number__in=numbers),
        many=True,
        context={"request": SimpleNamespace(user=users["coordinator"])},
    ).data
    by_number = {row["number"]: dict(row) for row in expected}
    for row in body["results"]:
        generic = by_number[row["number"]]
        assert row == {**generic, "overdue": row["overdue"]}  # the clock: one per page
