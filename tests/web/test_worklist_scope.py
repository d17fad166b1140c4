"""Each worklist tab filters on its own terms (issue 17): "mine" on ``my_tickets_q``,
"unit" on ``units_q`` — parts of the scope, so no ticket the user may not see shows, and
each tab still holds what it held when it was the scope ANDed with the tab."""

from __future__ import annotations

from django.utils import timezone

from hotline.org.models import Membership, Role, Unit
from hotline.tickets.models import OPEN_STATUSES
from hotline.web.selectors import WorklistFilters, my_tickets_q, worklist
from hotline.workflow.access import tickets_visible_to
from tests.factories import register
from tests.helpers import act


def _numbers(user, tab):
    page = worklist(user, tab=tab, filters=WorklistFilters(), page=1, now=timezone.now())
    return {row.ticket.number for row in page.rows}


def test_each_tab_holds_what_the_scope_and_the_tab_held_together(users):
    for i in range(3):
        ticket = act(register(users["agent"], subject=f"第{i}件"), "accept", users["agent"])
        ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
        if i:
            act(act(ticket, "sign", users["head"]), "assign", users["head"], handler="handler")
    register(users["agent"], subject="未派")
    for role, user in users.items():
        visible = tickets_visible_to(user).filter(status__in=OPEN_STATUSES)
        mine = visible.filter(my_tickets_q(user)).values_list("number", flat=True)
        assert _numbers(user, "mine") == set(mine), role
        assert _numbers(user, "unit") == set(visible.values_list("number", flat=True)), role
    assert len(_numbers(users["handler"], "mine")) == 2 and len(_numbers(users["head"], "unit")) == 3


def test_a_ticket_assigned_to_a_head_outside_their_units_is_theirs_not_their_units(users):
    """A head assigned a ticket, then moved to another county's department: it stays in
    "mine" (and in their scope), not in "本单位", which is their units' tickets."""
    ticket = act(register(users["agent"]), "accept", users["agent"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(act(ticket, "sign", users["head"]), "assign", users["head"], handler="head")
    head = users["head"]
    Membership.objects.filter(user=head, role=Role.DEPT_HEAD).update(unit=Unit.objects.get(code="JZ-XS-SJ"))
    moved = type(head).objects.get(pk=head.pk)
    assert tickets_visible_to(moved).filter(pk=ticket.pk).exists()
    assert ticket.number in _numbers(moved, "mine")
    assert ticket.number not in _numbers(moved, "unit")
