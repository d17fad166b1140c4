"""The worklist: scoped to what the user sees, open tickets by due time, marks, filters, pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.tickets.models import Status, Ticket
from hotline.web import selectors
from tests.factories import register
from tests.helpers import act
from tests.web.flow import dispatched


def numbers(html: str) -> list[str]:
    return re.findall(r'id="row-([^"]+)"', html)


def page(client, user, **params: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("web:worklist"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_head_sees_only_the_tickets_at_their_unit(client, users):
    mine = dispatched(users, "JZ-DH-SJ")
    other = dispatched(users, "JZ-XS-ZJ")
    assert numbers(page(client, users["head"], tab="unit")) == [mine.number]
    assert numbers(page(client, users["head"], tab="mine")) == [mine.number]
    assert numbers(page(client, users["head2"], tab="unit")) == [other.number]


def test_a_handler_sees_only_what_is_assigned_to_them(client, users):
    ticket = dispatched(users)
    dispatched(users)  # same unit, not assigned
    assert numbers(page(client, users["handler"])) == []
    ticket = act(ticket, "sign", users["head"])
    act(ticket, "assign", users["head"], handler="handler")
    assert numbers(page(client, users["handler"])) == [ticket.number]
    assert numbers(page(client, users["handler3"])) == []


def test_closed_tickets_are_not_listed_and_the_soonest_due_comes_first(client, users):
    late = dispatched(users, at="2026-03-02 09:00")
    early = dispatched(users, at="2026-02-02 09:00")
    rejected = act(register(users["agent"]), "reject", users["leader"], reason="duplicate")
    html = page(client, users["coordinator"], tab="unit")
    assert numbers(html)[:2] == [early.number, late.number]
    assert rejected.number not in numbers(html)


def test_overdue_tickets_are_marked(client, users):
    overdue = dispatched(users, at="2026-03-02 09:00")
    html = page(client, users["head"])
    row = html[html.index(f'id="row-{overdue.number}"') :]
    assert 'data-due="overdue"' in row[:200] and "已超期" in row


def test_due_marks_by_time_left():
    now = timezone.now()
    ticket = Ticket(status=Status.OPEN, due_at=now - timedelta(minutes=1))
    assert selectors.due_mark(ticket, now) == "overdue"
    ticket.due_at = now + selectors.DUE_SOON - timedelta(minutes=1)
    assert selectors.due_mark(ticket, now) == "due_soon"
    ticket.due_at = now + selectors.DUE_SOON
    assert selectors.due_mark(ticket, now) == ""
    ticket.status, ticket.due_at = Status.SUSPENDED, now - timedelta(days=1)
    assert selectors.due_mark(ticket, now) == ""  # the clock is stopped


@pytest.fixture
def assorted(users):
    return {
        "complaint": dispatched(users, subject="噪声扰民投诉", category="city.noise"),
        "major": dispatched(users, subject="电梯困人", severity="major", category="city.housing"),
        "consultation": dispatched(users, type="consultation", subject="营业执照办理咨询"),
        "overdue": dispatched(users, at="2026-03-02 09:00", subject="过期的投诉"),
        "registered": register(users["agent"], subject="尚未派单"),
    }


def test_filters_narrow_the_list(client, users, assorted):
    coordinator = users["coordinator"]
    html = page(client, coordinator, tab="unit", stage="registered")
    assert numbers(html) == [assorted["registered"].number]
    html = page(client, coordinator, tab="unit", type="consultation")
    assert numbers(html) == [assorted["consultation"].number]
    html = page(client, coordinator, tab="unit", severity="major")
    assert numbers(html) == [assorted["major"].number]
    html = page(client, coordinator, tab="unit", overdue="on")
    assert numbers(html) == [assorted["overdue"].number]
    html = page(client, coordinator, tab="unit", q="电梯")
    assert numbers(html) == [assorted["major"].number]
    html = page(client, coordinator, tab="unit", q=assorted["consultation"].number)
    assert numbers(html) == [assorted["consultation"].number]


def test_a_parent_category_includes_its_children(client, users, assorted):
    from hotline.tickets.models import Category

    city = Category.objects.get(code="city")
    html = page(client, users["coordinator"], tab="unit", category=city.pk)
    assert sorted(numbers(html)) == sorted([assorted["complaint"].number, assorted["major"].number])


def test_a_bad_filter_value_is_ignored_not_an_error(client, users, assorted):
    html = page(client, users["coordinator"], tab="unit", category="not-a-number", page="-3")
    assert len(numbers(html)) == len(assorted)


def test_htmx_gets_only_the_results(client, users, assorted):
    client.force_login(users["coordinator"])
    response = client.get(
        reverse("web:worklist"),
        {"tab": "unit", "type": "consultation"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="worklist-results",
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="worklist-table"' in html
    assert numbers(html) == [assorted["consultation"].number]


def test_the_filter_form_is_an_htmx_get_that_pushes_the_url(client, users):
    html = page(client, users["head"])
    form = re.search(r'<form[^>]*id="worklist-filters"[^>]*>', html, re.S)
    assert form and 'hx-get="/work/"' in form.group(0)
    assert 'hx-target="#worklist-results"' in form.group(0) and 'hx-push-url="true"' in form.group(0)


def test_pages_say_whether_there_is_more_without_counting(client, users, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    made = [dispatched(users) for _ in range(3)]
    first = page(client, users["head"])
    assert len(numbers(first)) == 2 and 'id="page-next"' in first and 'id="page-previous"' not in first
    second = page(client, users["head"], page=2)
    assert len(numbers(second)) == 1 and 'id="page-next"' not in second and 'id="page-previous"' in second
    assert sorted(numbers(first) + numbers(second)) == sorted(t.number for t in made)


def test_the_worklist_query_count_does_not_grow_with_rows(client, users, django_assert_max_num_queries):
    for _ in range(5):
        dispatched(users)
    client.force_login(users["head"])
    # session, user, memberships, units under, categories, tickets (one join), unread count
    with django_assert_max_num_queries(9):
        response = client.get(reverse("web:worklist"))
    assert len(numbers(response.content.decode())) == 5
