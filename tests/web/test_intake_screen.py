"""受理登记: one keyboard-first screen, the caller panel, the on-the-spot answer, the read-back."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import register

PHONE = "13700001234"


@pytest.fixture
def agent(client, users):
    client.force_login(users["agent"])
    return client


def form(**extra):
    data = {
        "complainant.phone": PHONE,
        "type": "complaint",
        "category": "product.quality",
        "severity": "normal",
        "subject": "电饭煲不加热",
        "description": "买了一周就坏了",
        "demand": "退货",
        "complainant.name": "张三",
        "channel": "phone",
        "unit": "JZ-C",
    }
    data.update(extra)
    return data


def test_the_screen_is_keyboard_first(agent):
    html = agent.get("/intake/").content.decode()
    phone = re.search(r"<input[^>]*id=\"id_complainant_phone\"[^>]*>", html).group(0)
    assert "autofocus" in phone and 'name="complainant.phone"' in phone
    assert 'hx-get="/intake/lookup/"' in phone and "input changed delay:300ms" in phone
    assert 'accesskey="s"' in html and "Alt+S" in html and "Ctrl+Enter" in html
    # the save button comes first in the form, so Enter in a field saves
    assert html.index('id="intake-save"') < html.index('id="intake-spot-close"')
    assert '<optgroup label="产品类">' in html  # categories grouped


def test_register_shows_number_and_query_code_after_the_read_back(agent, users):
    readback = agent.post("/intake/", form())
    assert readback.status_code == 200 and not Ticket.objects.exists()
    response = agent.post("/intake/", {**form(), "confirm": "1"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/intake/done/{ticket.number}/"
    assert ticket.registered_by == users["agent"] and ticket.owner_unit.code == "JZ-C"
    assert ticket.complainant_phone == "+86" + PHONE and ticket.category.code == "product.quality"
    html = agent.get(response.url).content.decode()
    assert re.search(rf'id="result-number">\s*{ticket.number}\s*<', html)
    assert re.search(rf'id="result-query-code">\s*{ticket.query_code}\s*<', html)
    assert 'id="intake-next"' in html and "继续登记" in html


def test_only_the_registering_agent_sees_the_query_code(client, users):
    ticket = register(users["agent"])
    client.force_login(users["coordinator"])
    response = client.get(f"/intake/done/{ticket.number}/")
    assert response.status_code == 404 and ticket.query_code not in response.content.decode()


def test_validation_errors_are_chinese_next_to_fields_and_keep_input(agent):
    response = agent.post("/intake/", form(subject="", **{"complainant.email": "not-an-email"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="subject">请填写标题' in html
    assert 'data-error-for="complainant.email">电子邮箱格式不正确' in html
    assert "买了一周就坏了" in html and f'value="{PHONE}"' in html
    assert not Ticket.objects.exists()


def test_a_blocklisted_number_is_refused_in_chinese(agent, users):
    entry = blocklist_request(phone=PHONE, reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    response = agent.post("/intake/", form(**{"complainant.phone": "+86 137-0000-1234"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "该号码已列入黑名单,不予登记" in html and 'id="caller-blocked"' in html
    assert not Ticket.objects.exists()


def test_on_the_spot_answer_registers_and_closes_in_one_request(agent, users):
    data = form(type="consultation", result="许可证办理需身份证和场所证明。", on_the_spot="1")
    readback = agent.post("/intake/", data).content.decode()
    assert "确认登记并当场办结" in readback and "许可证办理需身份证和场所证明。" in readback
    assert "已办结" in readback[readback.index('id="readback-stage"') :]  # what saving will do
    assert not Ticket.objects.exists()
    response = agent.post("/intake/", {**data, "confirm": "1"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.status == "closed" and ticket.closing_code == "on_the_spot"
    assert list(ticket.events.values_list("action", flat=True)) == ["register", "close"]
    close = ticket.events.get(action="close")
    assert (
        close.comment == "许可证办理需身份证和场所证明。" and close.public and close.actor == users["agent"]
    )
    assert "已登记并当场办结" in agent.get(response.url).content.decode()


def test_on_the_spot_needs_the_answer(agent):
    response = agent.post("/intake/", form(type="consultation", result="", on_the_spot="1"))
    assert response.status_code == 400
    assert 'data-error-for="result">请填写当场答复内容' in response.content.decode()
    assert not Ticket.objects.exists()


def test_on_the_spot_is_refused_where_the_pack_has_no_such_path(agent):
    # the enterprise pack lets agents close only consultations, help and praise on the spot
    html = agent.get("/intake/").content.decode()
    assert '"JZ-C|complaint": false' in html and '"JZ-C|consultation": true' in html
    response = agent.post("/intake/", form(type="complaint", result="已答复", on_the_spot="1"))
    assert response.status_code == 400 and "不能当场办结" in response.content.decode()
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()  # rolled back, nothing half-done


def test_lookup_shows_earlier_tickets_and_the_blocklist_banner(agent, users):
    earlier = register(users["agent"], complainant__phone=PHONE, subject="上次的投诉")
    html = agent.get("/intake/lookup/", {"complainant.phone": PHONE}).content.decode()
    assert f'href="/tickets/{earlier.number}/"' in html and "待受理" in html
    assert 'id="blocklist-request"' in html and 'id="caller-blocked"' not in html

    entry = blocklist_request(phone=PHONE, reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    html = agent.get("/intake/lookup/", {"phone": PHONE}).content.decode()
    assert 'id="caller-blocked"' in html and "恶意骚扰" in html and "alert-danger" in html


def test_lookup_is_for_intake_roles_only(client, users):
    register(users["agent"], complainant__phone=PHONE)
    client.force_login(users["handler"])
    response = client.get("/intake/lookup/", {"phone": PHONE})
    assert response.status_code == 403 and "上次" not in response.content.decode()


def test_request_blocklisting_from_the_caller_panel(agent, users):
    response = agent.post(
        "/intake/blocklist/request/", {"phone": PHONE, "reason": "每天骚扰"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="caller-pending"' in html and 'id="blocklist-done"' in html
    from hotline.callers.models import BlocklistEntry

    assert BlocklistEntry.objects.get().requested_by == users["agent"]


def test_team_leader_approves_on_the_blocklist_page(client, users):
    entry = blocklist_request(phone=PHONE, reason="每天骚扰", actor=users["agent"])
    client.force_login(users["agent"])
    assert 'data-action="approve"' not in client.get("/intake/blocklist/").content.decode()
    client.post(f"/intake/blocklist/{entry.pk}/approve/")
    entry.refresh_from_db()
    assert entry.status == "requested"  # an agent cannot approve

    client.force_login(users["teamlead"])
    assert 'data-action="approve"' in client.get("/intake/blocklist/").content.decode()
    client.post(f"/intake/blocklist/{entry.pk}/approve/", {"note": "同意"})
    entry.refresh_from_db()
    assert entry.status == "active" and entry.decided_by == users["teamlead"]


def test_csrf_is_enforced(users):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["agent"])
    assert strict.post("/intake/", form()).status_code == 403
    assert not Ticket.objects.exists()


def test_no_external_urls(agent):
    html = agent.get("/intake/").content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_login_is_required(client):
    response = client.get("/intake/")
    assert response.status_code == 302 and "/login/" in response.url


def test_queries_are_bounded(agent, users, django_assert_max_num_queries):
    for _ in range(5):
        register(users["agent"], complainant__phone=PHONE)
    with django_assert_max_num_queries(12):
        agent.get("/intake/")
    with django_assert_max_num_queries(10):
        agent.get("/intake/lookup/", {"phone": PHONE})
