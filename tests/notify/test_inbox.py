"""The in-app inbox grouped by ticket (newest first, with counts), and marking read: all of
it, one ticket's, or the checked ones — always only the user's own."""

from __future__ import annotations

from hotline.notify.models import Message
from hotline.notify.selectors import inbox_by_ticket, ticket_inbox, unread_count
from hotline.notify.services import mark_all_read, mark_read, mark_ticket_read, notify_staff
from tests.factories import register
from tests.helpers import local


def _tell(ticket, user, at, key, kind="dispatched"):
    notify_staff(ticket=ticket, kind=kind, users=[user], key=key, now=local(at))


def _two_tickets(users):
    head = users["head"]
    first = register(users["agent"], subject="第一件")
    second = register(users["agent"], subject="第二件")
    _tell(first, head, "2026-10-12 09:00", "a1")
    _tell(second, head, "2026-10-12 10:00", "b1")
    _tell(first, head, "2026-10-12 11:00", "a2", kind="overdue")
    _tell(first, head, "2026-10-12 11:30", "a3", kind="escalated")
    _tell(None, head, "2026-10-12 08:00", "none1", kind="rectification_issued")
    _tell(second, users["head2"], "2026-10-12 12:00", "other")  # someone else's
    return first, second


def test_groups_by_ticket_newest_first_with_counts(users, django_assert_num_queries):
    first, second = _two_tickets(users)
    head = users["head"]
    mark_read(head, Message.objects.filter(batch_key="a1").values_list("pk", flat=True))
    with django_assert_num_queries(2):
        groups, more = inbox_by_ticket(head)
        rows = [(g.ticket, g.latest.kind, g.count, g.unread) for g in groups]
    assert rows == [
        (first, "escalated", 3, 2),  # its newest message (11:30) stands for it
        (second, "dispatched", 1, 1),
        (None, "rectification_issued", 1, 1),  # about no ticket (a rectification notice)
    ]
    assert more is False
    assert groups[0].latest_at == local("2026-10-12 11:30")
    assert [m.kind for m in ticket_inbox(head, first)] == ["escalated", "overdue", "dispatched"]


def test_pages_of_groups(users):
    first, second = _two_tickets(users)
    page, more = inbox_by_ticket(users["head"], limit=2)
    assert ([g.ticket for g in page], more) == ([first, second], True)
    page, more = inbox_by_ticket(users["head"], offset=2, limit=2)
    assert ([g.ticket for g in page], more) == ([None], False)


def test_mark_one_tickets_messages_read(users):
    first, second = _two_tickets(users)
    head = users["head"]
    assert mark_ticket_read(head, first) == 3
    assert mark_ticket_read(head, first) == 0
    groups, _ = inbox_by_ticket(head)
    assert [(g.ticket, g.unread) for g in groups] == [(first, 0), (second, 1), (None, 1)]
    # another user's messages about the same ticket stay unread
    assert unread_count(users["head2"]) == 1


def test_mark_all_read_reaches_past_the_first_page_and_only_the_users_own(users):
    ticket = register(users["agent"])
    for i in range(45):
        _tell(ticket, users["head"], f"2026-10-12 09:{i:02d}", f"many{i}")
    _tell(ticket, users["head2"], "2026-10-12 10:00", "other")
    assert mark_all_read(users["head"]) == 45
    assert (unread_count(users["head"]), unread_count(users["head2"])) == (0, 1)


def test_mark_all_read_before_a_time(users):
    _two_tickets(users)
    assert mark_all_read(users["head"], before=local("2026-10-12 10:30")) == 3
    groups, _ = inbox_by_ticket(users["head"])
    assert [g.unread for g in groups] == [2, 0, 0]


def test_anonymous_has_an_empty_inbox(users):
    from django.contrib.auth.models import AnonymousUser

    _two_tickets(users)
    assert inbox_by_ticket(AnonymousUser()) == ([], False)


def test_the_inbox_page_shows_one_row_per_ticket_and_marks_read(client, users):
    from django.urls import reverse

    first, second = _two_tickets(users)
    client.force_login(users["head"])
    html = client.get(reverse("web:notifications")).content.decode()
    # one row per ticket, the newest first, with its count
    assert html.count('id="notification-group-') == 3
    assert html.index(first.number) < html.index(second.number)
    assert "共3条" in html and "未读3条" in html
    # marking one ticket read leaves the others
    response = client.post(reverse("web:notifications_read"), {"ticket": str(first.pk)})
    assert response.status_code == 302
    assert [g.unread for g in inbox_by_ticket(users["head"])[0]] == [0, 1, 1]
    # and "all" reaches every message of the user, none of anyone else's
    client.post(reverse("web:notifications_read"), {"all": "1"})
    assert (unread_count(users["head"]), unread_count(users["head2"])) == (0, 1)
    # a ticket id that is not a number changes nothing and is no error
    assert client.post(reverse("web:notifications_read"), {"ticket": "x"}).status_code == 302


def test_the_inbox_page_pages_groups(client, users):
    from django.urls import reverse

    from hotline.web import selectors

    for i in range(selectors.PAGE_SIZE + 2):
        ticket = register(users["agent"])
        _tell(ticket, users["head"], f"2026-10-12 {8 + i // 60:02d}:{i % 60:02d}", f"page{i}")
    client.force_login(users["head"])
    first = client.get(reverse("web:notifications")).content.decode()
    assert first.count('id="notification-group-') == selectors.PAGE_SIZE and "?page=2" in first
    second = client.get(reverse("web:notifications"), {"page": "2"}).content.decode()
    assert second.count('id="notification-group-') == 2 and "?page=1" in second
