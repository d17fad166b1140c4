"""Rating satisfaction on the portal: only when the stage asks, after proving the code."""

from __future__ import annotations

from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.tokens import rate_link
from tests.helpers import act, snapshot
from tests.portal.conftest import submitted_receipt, to_replied


def replied_ticket(org, client):
    number, code = submitted_receipt(client)
    ticket = to_replied(Ticket.objects.get(number=number), org.users)
    client.session.flush()  # a fresh browser: nothing proven yet
    return ticket, code


def prove_code(client, number, code):
    return client.post(f"/public/rate/{number}/", {"code": code})


def rate(client, ticket, satisfaction="satisfied", comment="处理及时", version=None):
    return client.post(
        f"/public/rate/{ticket.number}/",
        {"satisfaction": satisfaction, "comment": comment, "version": version or ticket.version},
    )


def test_rating_after_the_code_records_a_return_visit(org, client):
    ticket, code = replied_ticket(org, client)
    assert prove_code(client, ticket.number, code).status_code == 302

    response = rate(client, ticket)
    assert response.status_code == 302
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.satisfaction == "satisfied" and fresh.stage == "visited"
    event = TicketEvent.objects.get(ticket=ticket, action="return_visit")
    assert (event.actor, event.actor_label, event.comment) == (None, "公众门户", "处理及时")
    after = client.get(response["Location"]).content.decode()
    assert "感谢您的评价" in after and 'id="rate-form"' not in after and "您已评价过" in after


def test_dissatisfied_sends_the_ticket_back_for_rework(org, client):
    ticket, code = replied_ticket(org, client)
    prove_code(client, ticket.number, code)
    rate(client, ticket, satisfaction="dissatisfied", comment="没有退款")
    assert Ticket.objects.get(pk=ticket.pk).stage == "dissatisfied"


def test_a_wrong_code_proves_nothing(org, client):
    ticket, _ = replied_ticket(org, client)
    before = snapshot(ticket)
    wrong = prove_code(client, ticket.number, "000000" if ticket.query_code != "000000" else "111111")
    assert "工单编号或查询码不正确" in wrong.content.decode()

    response = rate(client, ticket)  # without the code, the rating form is not accepted
    assert response.status_code == 200 and 'id="code-form"' in response.content.decode()
    assert snapshot(ticket) == before


def test_the_survey_link_token_stands_for_the_code(org, client):
    ticket, _ = replied_ticket(org, client)
    landing = client.get(rate_link(ticket))
    assert landing.status_code == 302 and landing["Location"] == f"/public/rate/{ticket.number}/"
    assert 'id="rate-form"' in client.get(landing["Location"]).content.decode()


def test_a_token_for_another_ticket_does_not_open_this_one(org, client):
    ticket, _ = replied_ticket(org, client)
    other_number, _ = submitted_receipt(client)
    client.session.flush()
    token = rate_link(Ticket.objects.get(number=other_number)).split("?t=")[1]
    client.get(f"/public/rate/{ticket.number}/?t={token}")
    assert 'id="code-form"' in client.get(f"/public/rate/{ticket.number}/").content.decode()


def test_rating_is_refused_when_not_asked(org, client):
    number, _ = submitted_receipt(client)  # just registered: no answer yet
    ticket = Ticket.objects.get(number=number)
    before = snapshot(ticket)
    page = client.get(f"/public/rate/{number}/").content.decode()  # the submitter's session knows it
    assert "此工单当前无需评价" in page and 'id="rate-form"' not in page

    response = rate(client, ticket)
    assert response.status_code == 409 and "此工单当前无需评价" in response.content.decode()
    assert snapshot(ticket) == before


def test_rating_twice_is_refused(org, client):
    ticket, code = replied_ticket(org, client)
    prove_code(client, ticket.number, code)
    rate(client, ticket)
    fresh = Ticket.objects.get(pk=ticket.pk)
    before = snapshot(fresh)

    again = rate(client, fresh, satisfaction="dissatisfied")
    assert again.status_code == 409 and "您已评价过" in again.content.decode()
    assert snapshot(fresh) == before


def test_a_stale_page_gives_a_readable_conflict(org, client):
    users = org.users
    ticket, code = replied_ticket(org, client)
    prove_code(client, ticket.number, code)
    seen_version = ticket.version  # the complainant opens the survey page here
    # meanwhile: dissatisfied by phone, done again, answered again — asking for a rating again
    ticket = act(ticket, "return_visit", users["coordinator"], satisfaction="dissatisfied")
    ticket = act(ticket, "redispatch", users["coordinator"], comment="请重新核实")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    ticket = act(ticket, "reply", users["handler"], result="已再次核实并退款")
    before = snapshot(ticket)

    response = rate(client, ticket, satisfaction="satisfied", version=seen_version)
    assert response.status_code == 409 and "工单刚刚有了新进展" in response.content.decode()
    assert snapshot(ticket) == before
    assert 'id="rate-form"' in response.content.decode()  # the fresh form, with the new version
    assert rate(client, ticket, satisfaction="satisfied").status_code == 302


def test_a_12345_ticket_still_in_handling_cannot_be_rated_by_the_public(org, client):
    """12345's handling stage offers return_visit to the coordinator (limit expired); the
    public may rate only when a visit task is open, not while the unit is still working."""
    from tests.factories import register

    ticket = register(org.users["agent"], policy="hotline-12345")
    ticket = act(ticket, "dispatch", org.users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", org.users["head"])
    ticket = act(ticket, "assign", org.users["head"], handler="handler")
    assert ticket.stage == "handling"
    before = snapshot(ticket)
    assert prove_code(client, ticket.number, ticket.query_code).status_code == 302
    page = client.get(f"/public/rate/{ticket.number}/").content.decode()
    assert "此工单当前无需评价" in page and 'id="rate-form"' not in page
    response = rate(client, ticket, satisfaction="very_satisfied")
    assert response.status_code == 409
    assert snapshot(ticket) == before
