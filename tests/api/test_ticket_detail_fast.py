"""One ticket's hand-built answer (``hotline.api.ticket_detail``) equals DRF's generic walk
of ``TicketDetailOut``, byte for byte, for every viewer and kind of ticket: masked and
unmasked, with and without a handler and category, with attachments, links, a claimed
amount, closed on the spot, transferred from the upper level."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from hotline.api.serializers import TicketCreatedOut, TicketDetailOut, TicketOut
from hotline.api.ticket_detail import TicketDetailFast
from hotline.exchange.models import Partner
from hotline.exchange.services import Push, push_receive
from hotline.tickets.models import Ticket, TicketLink
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.attachments import attachment_add
from hotline.workflow.services import ticket_transition
from tests.factories import register
from tests.helpers import act

FIELDS = [*TicketOut.Meta.fields, "attachments", "links", "upper_level"]
VIEWERS = ("agent", "coordinator", "head", "handler", "leader")


def _tickets(org: Any) -> dict[str, Ticket]:
    """Tickets of every kind, as the services left them (model objects in hand)."""
    users = org.users
    agent, coordinator, head = users["agent"], users["coordinator"], users["head"]
    made: dict[str, Ticket] = {}
    made["plain"] = register(agent)
    made["report"] = register(
        agent, type="report", confidential=True, category="", complainant__name="张三丰"
    )
    made["claimed"] = register(
        agent,
        category="product.quality",
        claimed_amount=Decimal("1234.5"),  # DRF writes "1234.50"
        occurred_on=timezone.localdate() - timedelta(days=3),
        region="江州市东湖区",
        upgraded_via="media",
        severity="urgent",
        complainant__anonymous=True,
    )
    made["zero"] = register(agent, category="product.price", claimed_amount=Decimal("0"))
    handled = act(register(agent, category="service.attitude"), "accept", coordinator)
    handled = act(handled, "dispatch", coordinator, unit="JZ-DH-SJ")
    made["handled"] = act(act(handled, "sign", head), "assign", head, handler="handler")
    for name, text in (("说明.txt", "商家拒绝退款。\n"), ("补充.txt", "补充材料。\n")):
        upload = SimpleUploadedFile(name, text.encode(), content_type="text/plain")
        attachment_add(ticket=Ticket.objects.get(pk=handled.pk), upload=upload, actor=agent)
    made["linked"] = register(
        agent, links=[("repeat_of", made["plain"].number), ("related", made["handled"].number)]
    )
    # a suggested link, not yet confirmed
    TicketLink.objects.filter(ticket=made["linked"], kind="related").update(confirmed=False)
    made["closed"] = register(
        agent,
        type="consultation",
        close_on_the_spot={"closing_code": "answered", "result": "已当场答复"},
    )
    partner = Partner.objects.create(
        code="prov",
        name="省客户投诉中心",
        inbound_key="push-key-0123456789-abcdefghijklmnop",
        unit=org.units["JZ-C"],
        policy="enterprise",
    )
    matter = {
        "type": "complaint",
        "subject": "零售户反映卷烟货源分配不公",
        "description": "该零售户反映近三周订货量被削减,要求说明分配依据。",
        "complainant": {"name": "王建华", "phone": "13912345678"},
    }
    push = Push(
        ticket_id="SD-2026-000123",
        number="鲁烟投〔2026〕123号",
        dispatched_at=timezone.now() - timedelta(hours=2),
        matter=matter,
    )
    made["upper"] = push_receive(partner=partner, push=push).link.ticket
    return made


def _render(data: Any) -> bytes:
    return JSONRenderer().render(data)


def _assert_same(fast: Any, generic: Any, why: str) -> None:
    assert list(fast) == FIELDS, why
    assert dict(fast) == dict(generic), why
    assert _render(fast) == _render(generic), why  # nested key order and types too


def test_the_hand_built_answer_equals_the_generic_walk_for_every_viewer_and_ticket(org):
    made = _tickets(org)
    kinds = {ticket.pk: kind for kind, ticket in made.items()}
    seen: dict[str, set[str]] = {}
    for role in VIEWERS:
        viewer = org.users[role]
        context = {"request": SimpleNamespace(user=viewer)}
        visible = tickets_visible_to(viewer).select_related(
            "unit", "owner_unit", "category", "handler", "registered_by"
        )
        for ticket in visible.order_by("pk"):
            fresh = Ticket.objects.get(pk=ticket.pk)  # related objects read on demand
            generic = TicketDetailOut(fresh, context=context).data
            _assert_same(TicketDetailFast(ticket, context=context).data, generic, f"{role} {ticket.number}")
            _assert_same(TicketDetailFast(fresh, context=context).data, generic, f"{role} {ticket.number}")
            seen.setdefault(role, set()).add(kinds[ticket.pk])
    # every kind was compared, and by more than one viewer for the ones that matter
    assert set().union(*seen.values()) == set(made)
    assert {"report", "handled", "linked", "upper"} <= seen["coordinator"]
    assert "handled" in seen["handler"] and "handled" in seen["head"]
    # as the services left them (amounts and dates not read back from the database)
    context = {"request": SimpleNamespace(user=org.users["coordinator"])}
    for kind, ticket in made.items():
        generic = TicketDetailOut(ticket, context=context).data
        _assert_same(TicketDetailFast(ticket, context=context).data, generic, kind)


def test_the_values_the_generic_fields_convert_are_written_as_drf_writes_them(org):
    made = _tickets(org)
    context = {"request": SimpleNamespace(user=org.users["coordinator"])}

    def fast(kind: str) -> dict[str, Any]:
        return dict(TicketDetailFast(Ticket.objects.get(pk=made[kind].pk), context=context).data)

    claimed = fast("claimed")
    assert claimed["claimed_amount"] == "1234.50" and fast("zero")["claimed_amount"] == "0.00"
    assert claimed["occurred_on"] == (timezone.localdate() - timedelta(days=3)).isoformat()
    assert claimed["received_at"].endswith("+08:00") and claimed["closed_at"] is None
    plain = fast("plain")
    assert (plain["claimed_amount"], plain["occurred_on"], plain["category"], plain["handler"]) == (
        None,
        None,
        None,
        None,
    )
    assert fast("report")["complainant"]["masked"] is True
    assert fast("handled")["handler"] == "handler" and fast("handled")["unit"] == "JZ-DH-SJ"
    assert [a["name"] for a in fast("handled")["attachments"]] == ["说明.txt", "补充.txt"]
    links = fast("linked")["links"]
    assert [(link["kind"], link["number"], link["confirmed"]) for link in links] == [
        ("repeat_of", made["plain"].number, True),
        ("related", made["handled"].number, False),
    ]
    assert fast("closed")["closed_at"] is not None and fast("closed")["status"] == "closed"
    assert fast("upper")["upper_level"]["number"] == "鲁烟投〔2026〕123号"
    # an amount not (yet) as the database keeps it: DRF's quantizing, half to even
    ticket = Ticket.objects.get(pk=made["claimed"].pk)
    for value, written in [
        (Decimal("7.5"), "7.50"),
        (Decimal("1E+2"), "100.00"),
        (Decimal("0.005"), "0.00"),
        (Decimal("0.015"), "0.02"),
        (12, "12.00"),
    ]:
        ticket.claimed_amount = value
        generic = TicketDetailOut(ticket, context=context).data
        _assert_same(TicketDetailFast(ticket, context=context).data, generic, str(value))
        assert generic["claimed_amount"] == written


def test_the_links_and_their_numbers_are_one_statement(org):
    made = _tickets(org)
    context = {"request": SimpleNamespace(user=org.users["coordinator"])}
    with CaptureQueriesContext(connection) as generic:
        TicketDetailOut(Ticket.objects.get(pk=made["linked"].pk), context=context).data  # noqa: B018
    with CaptureQueriesContext(connection) as fast:
        TicketDetailFast(Ticket.objects.get(pk=made["linked"].pk), context=context).data  # noqa: B018
    # the generic walk read each link's target apart: two statements more for two links
    assert len(fast) <= len(generic) - 2, [q["sql"] for q in fast]


def test_the_detail_api_answers_the_generic_json_without_the_generic_walk(org, api, monkeypatch):
    made = _tickets(org)
    for role in ("coordinator", "handler"):
        viewer = org.users[role]
        context = {"request": SimpleNamespace(user=viewer)}
        expected = {
            t.number: _render(TicketDetailOut(t, context=context).data)
            for t in tickets_visible_to(viewer).filter(pk__in=[t.pk for t in made.values()])
        }
        assert expected
        with monkeypatch.context() as patched:

            def generic_walk(self: Any) -> Any:
                raise AssertionError("the detail API built DRF's fields")

            patched.setattr(TicketOut, "get_fields", generic_walk)
            for number, body in expected.items():
                response = api(viewer).get(f"/api/v1/tickets/{number}/")
                assert response.status_code == 200, response.content
                assert response.json() == json.loads(body), (role, number)
                assert response.content == body, (role, number)


def test_an_unmask_shows_the_identity_through_the_hand_built_answer(org, api):
    coordinator = org.users["coordinator"]
    ticket = register(
        org.users["agent"],
        type="report",
        confidential=True,
        complainant__name="张三丰",
        complainant__phone="13812345678",
    )
    result = ticket_transition(
        ticket=Ticket.objects.get(pk=ticket.pk),
        action="unmask",
        actor=coordinator,
        params={"reason": "需回访核实举报线索"},
    )
    context = {"request": SimpleNamespace(user=coordinator), "unmask": result}
    fast = TicketDetailFast(result.ticket, context=context).data
    _assert_same(fast, TicketDetailOut(result.ticket, context=context).data, "unmask")
    assert fast["complainant"]["name"] == "张三丰" and fast["complainant"]["masked"] is False
    # someone else's unmask, or none, shows nothing
    masked = TicketDetailFast(result.ticket, context={"request": SimpleNamespace(user=coordinator)}).data
    assert masked["complainant"]["masked"] is True and masked["complainant"]["name"] != "张三丰"
    leader = {"request": SimpleNamespace(user=org.users["leader"]), "unmask": result}
    assert TicketDetailFast(result.ticket, context=leader).data["complainant"]["masked"] is True
    # over HTTP: the unmask's answer shows the identity, the next read is masked again
    client = api(coordinator)
    answer = client.post(
        f"/api/v1/tickets/{ticket.number}/actions/",
        {"action": "unmask", "reason": "再次核实"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert list(answer.json()) == FIELDS and answer.json()["complainant"]["name"] == "张三丰"
    again = client.get(f"/api/v1/tickets/{ticket.number}/").json()
    assert again["complainant"]["masked"] is True and again["complainant"]["name"] != "张三丰"


def test_the_answer_to_a_registration_is_the_generic_one_without_reading_back(org, api):
    agent = org.users["agent"]
    earlier = [register(agent), register(agent)]
    client = api(agent)
    bodies = [
        {"subject": "无关联", "complainant": {"name": "张三", "phone": "13812345678"}},
        {
            "subject": "有关联",
            "complainant": {"name": "李四", "phone": "13812345679", "email": "li@example.com"},
            "links": [
                {"kind": "repeat_of", "number": earlier[1].number},
                {"kind": "related", "number": earlier[0].number},
            ],
            "claimed_amount": "99.9",
        },
        {"type": "report", "subject": "举报", "complainant": {"name": "王五", "phone": "13812345670"}},
    ]
    for body in bodies:
        full = {"type": "complaint", "channel": "phone", "description": "诉求内容。", **body}
        with CaptureQueriesContext(connection) as reads:
            response = client.post("/api/v1/tickets/", full, format="json")
        assert response.status_code == 201, response.content
        sql = " ".join(q["sql"] for q in reads.captured_queries)
        assert "tickets_attachment" not in sql and 'FROM "tickets_ticketlink"' not in sql
        answer = json.loads(response.content)
        ticket = Ticket.objects.get(number=answer["number"])
        context = {"request": SimpleNamespace(user=agent), "walk": None}
        generic = TicketCreatedOut(ticket, context=context).data
        assert list(answer) == [*FIELDS, "query_code", "answer_script"]
        assert response.content == _render(generic), body["subject"]
    linked = Ticket.objects.get(subject="有关联")
    assert [(link.kind, link.target_id) for link in linked.links.order_by("pk")] == [
        ("repeat_of", earlier[1].pk),
        ("related", earlier[0].pk),
    ]
