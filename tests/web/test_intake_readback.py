"""复述确认 (000 L50): the whole record is read back to the caller before anything is saved.

The first post shows the record as the service would save it (a registration rolled back),
the second (确认登记) saves it; 返回修改 brings the form back as typed. Works without
JavaScript: the keys only press these buttons.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.notify.models import Message
from hotline.tickets.models import DailySequence, Ticket, TicketEvent
from tests.factories import register

PHONE = "13700001234"


@pytest.fixture
def agent(client, users):
    client.force_login(users["agent"])
    return client


def form(**extra: str) -> dict[str, str]:
    data = {
        "complainant.phone": PHONE,
        "type": "complaint",
        "category": "product.quality",
        "severity": "normal",
        "region": "江州市东湖区",
        "occurred_on": "2026-01-15",
        "subject": "电饭煲不加热",
        "description": "买了一周就坏了",
        "demand": "退货",
        "complainant.name": "张三",
        "respondent.name": "某电器店",
        "channel": "phone",
        "unit": "JZ-C",
    }
    data.update(extra)
    return data


def block(html: str) -> str:
    start = html.index('id="readback"')
    return html[start : html.index("</section>", start)]


def test_the_first_post_reads_the_whole_record_back_and_saves_nothing(agent):
    response = agent.post("/intake/", form())
    assert response.status_code == 200
    html = response.content.decode()
    shown = block(html)
    for text in ("137 0000 1234", "张三", "投诉", "产品质量", "江州市东湖区", "2026-01-15", "电饭煲不加热",
                 "买了一周就坏了", "退货", "某电器店", "电话", "江州市12345热线中心", "待受理"):  # fmt: skip
        assert text in shown, text
    assert "请向来电人复述确认" in shown
    # the number and the query code come after saving
    assert "查询码" not in html and not re.search(r"\b\d{14}\b", shown)
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists() and not Message.objects.exists()
    # the form is gone; the record travels in hidden fields to the confirm button, which has the focus
    assert 'id="intake-form"' not in html
    confirm = re.search(r"<button[^>]*id=\"readback-confirm\"[^>]*>", html).group(0)
    assert 'name="confirm"' in confirm and "autofocus" in confirm
    assert '<input type="hidden" name="description" value="买了一周就坏了"' in html
    assert 'id="readback-edit"' in html and "(Esc)" in html and "(Enter)" in html


def test_confirming_saves_the_record_read_back(agent, users):
    # on PostgreSQL numbers are taken on a connection of their own and outlive a test's
    # rollback (hotline.tickets.numbering): compare with the day's counter as it was
    counter = DailySequence.objects.filter(day=timezone.localdate())
    taken_before = counter.values_list("last", flat=True).first() or 0
    read = agent.post("/intake/", form())
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', read.content.decode()))
    hidden.pop("csrfmiddlewaretoken", None)
    response = agent.post("/intake/", {**hidden, "confirm": "1"})  # exactly what the page posts
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/intake/done/{ticket.number}/"
    assert (ticket.region, str(ticket.occurred_on), ticket.subject) == (
        "江州市东湖区",
        "2026-01-15",
        "电饭煲不加热",
    )
    assert ticket.registered_by == users["agent"] and ticket.respondent_name == "某电器店"
    assert int(ticket.number[-6:]) == taken_before + 1  # the read-back took no number


def test_going_back_keeps_everything_typed(agent):
    response = agent.post("/intake/", {**form(description="第一行\n第二行"), "edit": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="intake-form"' in html and 'id="readback"' not in html
    assert f'value="{PHONE}"' in html and 'value="江州市东湖区"' in html and 'value="2026-01-15"' in html
    assert "第一行\n第二行</textarea>" in html and 'id="intake-errors"' not in html
    assert not Ticket.objects.exists()


def test_the_read_back_shows_what_the_pack_makes_of_it(agent):
    # a report is confidential by the pack; an empty region takes the unit's
    html = agent.post("/intake/", form(type="report", region="")).content.decode()
    shown = block(html)
    assert 'id="readback-confidential"' in shown
    assert re.search(r'id="readback-region">\s*江州市\s*<', shown)


def test_a_refusal_shows_before_the_caller_is_told_anything(agent, users):
    from hotline.callers.services import blocklist_decide, blocklist_request

    entry = blocklist_request(phone=PHONE, reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    response = agent.post("/intake/", form())
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="readback"' not in html and "不予登记" in html and 'id="intake-form"' in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occurred_on", "2999-01-01", "事项发生日期不能晚于今天"),
        ("occurred_on", "15/01/2026", "事项发生日期格式不正确"),
        ("complainant.phone", "123", "电话号码格式不正确"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(agent, field, value, message):
    response = agent.post("/intake/", form(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'data-error-for="{re.escape(field)}">[^<]*{message}', html)
    assert 'id="readback"' not in html and not Ticket.objects.exists()


def test_a_confirm_with_changed_data_is_checked_again(agent):
    response = agent.post("/intake/", {**form(subject=""), "confirm": "1"})
    assert response.status_code == 400 and 'data-error-for="subject">请填写标题' in response.content.decode()
    assert not Ticket.objects.exists()


def test_staff_intake_has_region_and_occurred_on(agent):
    html = agent.get("/intake/").content.decode()
    assert re.search(r'<input[^>]*name="region"[^>]*list="region-options"', html)
    assert '<option value="江州市东湖区">' in html  # the units' regions are suggested
    assert re.search(r'<input[^>]*type="date"[^>]*name="occurred_on"', html)
    assert '<label class="form-label small mb-0" for="id_region">发生地区' in html
    assert '<label class="form-label small mb-0" for="id_occurred_on">事项发生日期' in html


def test_the_done_page_does_not_ask_to_read_back_again(agent, users):
    ticket = register(users["agent"], received_at=timezone.now() - timedelta(minutes=1))
    html = agent.get(f"/intake/done/{ticket.number}/").content.decode()
    assert "请告知来电人工单编号和查询码" in html and "复述确认" not in html
