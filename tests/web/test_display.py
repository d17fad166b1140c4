"""Small things people see every day: deadlines at 24:00 of their day, people's names in
the history, our own favicon, a quiet 403, the admin's heading."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.staticfiles import finders
from django.test import Client

from hotline.tickets.models import Ticket
from hotline.web.formatting import deadline_text
from tests.helpers import act
from tests.web.flow import handling

SH = ZoneInfo("Asia/Shanghai")


def test_a_deadline_at_midnight_is_printed_as_24_00_of_its_day():
    assert deadline_text(datetime(2026, 12, 6, 0, 0, tzinfo=SH)) == "2026-12-05 24:00"
    assert deadline_text(datetime(2026, 12, 6, 0, 0, tzinfo=SH), short=True) == "12-05 24:00"
    assert deadline_text(datetime(2026, 12, 5, 17, 30, tzinfo=SH)) == "2026-12-05 17:30"
    assert deadline_text(datetime(2026, 12, 5, 16, 0, tzinfo=ZoneInfo("UTC"))) == "2026-12-05 24:00"
    assert deadline_text(datetime(2026, 1, 1, 0, 0, tzinfo=SH)) == "2025-12-31 24:00"
    assert deadline_text(None) == ""


def test_pages_print_midnight_deadlines_as_24_00(client, users):
    ticket = handling(users)
    midnight = datetime(2026, 12, 6, 0, 0, tzinfo=SH)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=midnight, final_due_at=midnight)
    client.force_login(users["head"])
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert html.count(">2026-12-05 24:00</time>") == 2 and "2026-12-06 00:00" not in html
    row = client.get("/work/?tab=unit").content.decode()
    assert '<time datetime="2026-12-06T00:00:00+08:00">2026-12-05 24:00</time>' in row


def test_the_history_names_people_not_user_names(client, users):
    ticket = handling(users)  # the head assigned it to the user "handler", 刘芳
    client.force_login(users["coordinator"])
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    timeline = html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]
    assert "承办人 刘芳" in timeline and "承办人 handler" not in timeline
    assert "陈志强</strong> 指派承办人" in timeline


def test_a_user_without_a_full_name_is_shown_by_user_name(client, users):
    handler = users["handler"]
    handler.first_name = handler.last_name = ""
    handler.save()
    ticket = handling(users)
    client.force_login(users["coordinator"])
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "承办人 handler" in html and 'id="ticket-handler">handler<' in html


def test_our_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body[:40]  # an ICO holding a PNG
    html = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    assert 'href="/static/hotline/favicon.svg" type="image/svg+xml"' in html
    svg = finders.find("hotline/favicon.svg")
    assert svg and open(svg, encoding="utf-8").read().startswith("<svg")


def test_a_refused_page_is_a_403_without_a_traceback(client, users, caplog):
    client.force_login(users["handler"])
    with caplog.at_level(logging.DEBUG, logger="django.request"):
        response = client.get("/board/")
    assert response.status_code == 403 and "您的角色不能使用此页面" in response.content.decode()
    assert caplog.records, "the refusal is still logged, in one line"
    assert all(record.exc_info is None for record in caplog.records)


def test_the_admin_heading_names_only_what_is_there(users):
    client = Client()
    client.force_login(users["admin"])
    html = client.get("/admin/").content.decode()
    assert "配置:单位、用户与角色、分类、工作日历" in html and "政策包、" not in html


def test_the_reply_of_a_long_history_is_folded(client, users):
    ticket = handling(users)
    act(ticket, "reply", users["handler"], result="经核实," + "商家已退款。" * 400)
    client.force_login(users["coordinator"])
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'class="long-text lines-3"' in html and "展开全文" in html
