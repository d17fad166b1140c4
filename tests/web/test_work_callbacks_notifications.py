"""The coordinator's return visits and the in-app inbox."""

from __future__ import annotations

from django.urls import reverse

from hotline.notify.selectors import unread_count
from hotline.notify.services import notify_staff
from tests.factories import register
from tests.web.flow import replied


def test_a_replied_ticket_waits_for_the_coordinators_call(client, users):
    ticket = replied(users)
    register(users["agent"])  # not replied: no call yet
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:callbacks")).content.decode()
    assert ticket.number in html
    assert html.count("/tickets/") >= 1


def test_the_inbox_lists_and_marks_read(client, users):
    ticket = register(users["agent"])
    notify_staff(ticket=ticket, kind="dispatched", users=[users["head"]], key=f"test-inbox-{ticket.pk}")
    client.force_login(users["head"])
    html = client.get(reverse("web:notifications")).content.decode()
    assert ticket.number in html and 'id="mark-all-read"' in html
    assert unread_count(users["head"]) >= 1
    response = client.post(reverse("web:notifications_read"), {"all": "1"})
    assert response.status_code == 302
    assert unread_count(users["head"]) == 0


def test_one_cannot_mark_someone_elses_messages(client, users):
    ticket = register(users["agent"])
    notify_staff(ticket=ticket, kind="dispatched", users=[users["head2"]], key=f"test-other-{ticket.pk}")
    from hotline.notify.selectors import inbox

    theirs = [m.pk for m in inbox(users["head2"])]
    client.force_login(users["head"])
    client.post(reverse("web:notifications_read"), {"id": [str(pk) for pk in theirs]})
    assert unread_count(users["head2"]) == len(theirs)
