"""The approvals inbox: extension requests, non-acceptance review and supervision, from the packs."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from hotline.tickets.models import Ticket
from hotline.web import selectors
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act, local


def handling(users: dict[str, Any], at: str | None = None) -> Ticket:
    ticket = register(users["agent"], now=local(at) if at else None)
    ticket = act(ticket, "accept", users["coordinator"], at)
    ticket = act(ticket, "dispatch", users["coordinator"], at, unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"], at)
    return act(ticket, "assign", users["head"], at, handler="handler")


def section(html: str, key: str) -> list[str]:
    start = html.index(f'id="approvals-{key}"')
    end = html.find("</section>", start)
    return re.findall(r'id="row-([^"]+)"', html[start:end])


def test_a_pending_extension_waits_on_the_leader(client, users):
    asked = act(handling(users), "request_extension", users["head"], amount=2, reason="需送检")
    handling(users)  # no request: not listed
    client.force_login(users["leader"])
    html = client.get(reverse("web:approvals")).content.decode()
    assert section(html, "extension") == [asked.number]


def test_tickets_awaiting_acceptance_wait_on_non_acceptance_review(client, users):
    new = register(users["agent"])
    handling(users)
    client.force_login(users["leader"])
    html = client.get(reverse("web:approvals")).content.decode()
    assert section(html, "reject") == [new.number]


def test_overdue_unsupervised_tickets_wait_on_supervision(client, users):
    late = handling(users, at="2026-03-02 09:00")
    handling(users)  # on time
    supervised = act(handling(users, at="2026-03-02 09:00"), "supervise", users["leader"], comment="督办")
    client.force_login(users["leader"])
    html = client.get(reverse("web:approvals")).content.decode()
    assert section(html, "supervise") == [late.number]
    assert supervised.number not in section(html, "supervise")


def test_every_listed_ticket_offers_the_action_to_the_user(users):
    act(handling(users), "request_extension", users["head"], amount=2, reason="需送检")
    register(users["agent"])
    handling(users, at="2026-03-02 09:00")
    from django.utils import timezone

    for username in ("leader", "coordinator"):
        user = users[username]
        for s in selectors.approvals(user, now=timezone.now()):
            for row in s.rows:  # a row holds the columns it shows; the check needs the ticket
                ticket = Ticket.objects.get(pk=row.ticket.pk)
                assert s.action in allowed_actions(ticket, user), (username, s.key, row.ticket.number)


def test_a_head_has_no_approvals_inbox(client, users):
    client.force_login(users["head"])
    assert client.get(reverse("web:approvals")).status_code == 403


def test_the_approvals_query_count_is_flat(client, users, django_assert_max_num_queries):
    for _ in range(3):
        act(handling(users), "request_extension", users["head"], amount=1, reason="需送检")
        register(users["agent"])
    client.force_login(users["leader"])
    # session, user, memberships, packs in use, units under, three sections, the requests, unread
    with django_assert_max_num_queries(11):
        assert client.get(reverse("web:approvals")).status_code == 200
