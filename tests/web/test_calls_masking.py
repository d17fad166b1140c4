"""A call's number is identity once a linked ticket is confidential (ADR 0006, issue 12):
masked on every screen and file — the call log, the call, the pop, the tasks, the export —
and not found by a search for its digits; the same rule as the API's."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from hotline.telephony import services
from hotline.telephony.models import Agent, CallbackTask, CallTicket
from tests.factories import register
from tests.web.test_calls_pages import agents, answered_call  # noqa: F401  # the fixture
from tests.web.test_phone_pages import logged_in

pytestmark = pytest.mark.django_db
NUMBER = "13812345678"
SHOWN = "138 1234 5678"
MASKED = "138****5678"


@pytest.fixture
def confidential_call(agents: dict[str, Agent], users: dict[str, Any]) -> Any:  # noqa: F811
    call = answered_call("secret-1", agents["one"], NUMBER)
    ticket = register(users["agent"], complainant__phone=NUMBER)
    services.link_ticket(call=call, ticket=ticket, relation=CallTicket.Relation.REGISTERED, by=users["agent"])
    task = services.callback_create(
        kind="outbound", phone=NUMBER, due_at=call.started_at.replace(year=2030), call=call
    )
    return call, ticket, task


def pages(call: Any, task: CallbackTask, client: Any) -> dict[str, str]:
    return {
        "log": client.get("/calls/").content.decode(),
        "call": client.get(f"/calls/{call.pk}/").content.decode(),
        "pop": client.get(f"/calls/{call.pk}/pop/").content.decode(),
        "tasks": client.get("/calls/tasks/").content.decode(),
        "task": client.get(f"/calls/tasks/{task.pk}/").content.decode(),
    }


def test_the_number_shows_until_the_ticket_is_confidential_then_masked_everywhere(
    confidential_call: Any, users: dict[str, Any]
) -> None:
    call, ticket, task = confidential_call
    lead = logged_in(users["teamlead"])
    for name, html in pages(call, task, lead).items():
        assert SHOWN in html, name
    type(ticket).objects.filter(pk=ticket.pk).update(confidential=True)
    for name, html in pages(call, task, lead).items():
        assert MASKED in html and SHOWN not in html and NUMBER not in html, name
    # a search by the digits does not find it; the export masks it
    assert "secret-1" not in lead.get("/calls/", {"number": NUMBER}).content.decode()
    assert f"/calls/{call.pk}/" not in lead.get("/calls/", {"number": NUMBER}).content.decode()
    response = lead.post("/exports/new/calls/", {"format": "xlsx"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert any(MASKED in c for c in cells) and not any(NUMBER[-8:] in c.replace(" ", "") for c in cells)


def test_the_call_log_sums_up_the_calls_it_lists(agents: dict[str, Agent], users: dict[str, Any]) -> None:  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    t0 = timezone.now() - timedelta(hours=1)
    for i, (wait, talk) in enumerate([(10, 100), (20, 300)]):
        base = {"source": "http", "call_id": f"s{i}", "from_number": NUMBER}
        services.apply_event(services.Incoming(kind="newCall", at=t0, **base))
        services.apply_event(
            services.Incoming(kind="answer", at=t0 + timedelta(seconds=wait), extension="8001", **base)
        )
        services.apply_event(services.Incoming(kind="hangup", at=t0 + timedelta(seconds=wait + talk), **base))
    for i, cause in enumerate(["cancel", "noAnswer"]):
        base = {"source": "http", "call_id": f"m{i}", "from_number": NUMBER}
        services.apply_event(services.Incoming(kind="newCall", at=t0, **base))
        services.apply_event(
            services.Incoming(kind="hangup", at=t0 + timedelta(seconds=30), cause=cause, **base)
        )
    summary = services.call_summary(services.calls_visible_to(users["teamlead"]))
    assert (summary["inbound"], summary["answered"], summary["missed"], summary["abandoned"]) == (4, 2, 1, 1)
    assert (summary["answer_rate"], summary["wait"], summary["talk"]) == (50.0, 15, 200)
    html = logged_in(users["teamlead"]).get("/calls/").content.decode()
    assert 'id="sum-answer-rate">50.0%' in html and 'id="sum-talk">200<' in html
    # filtered: the summary follows the filter
    html = logged_in(users["teamlead"]).get("/calls/", {"outcome": "answered"}).content.decode()
    assert 'id="sum-inbound">2<' in html and 'id="sum-answer-rate">100.0%' in html
