"""The ticket page: every field, masked identity, timeline, attachments, and only allowed actions."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.followup.models import ReturnVisit
from hotline.notify.models import Message, MessageChannel
from hotline.telephony.models import Agent
from hotline.tickets.models import ExtensionRequest, LinkKind, Ticket, TicketLink
from hotline.web.views.ticket_page import Present
from hotline.workflow.attachments import attachment_add
from tests.factories import register
from tests.helpers import act


def login(client, user):
    client.force_login(user)
    return client


def actions_on(html: str) -> set[str]:
    return set(re.findall(r'<form[^>]*id="action-([a-z_]+)"', html))


def test_every_field_and_the_timeline(client, users):
    ticket = register(users["agent"], subject="电饭煲不加热", category="product.quality")
    act(ticket, "accept", users["agent"], comment="受理")
    html = login(client, users["coordinator"]).get(f"/tickets/{ticket.number}/").content.decode()
    for text in (
        ticket.number,
        "电饭煲不加热",
        "投诉",
        "电话",
        "产品类 / 产品质量",
        "待派单",
        "张三",
        "某电器店",
    ):
        assert text in html, text
    timeline = html[html.index('id="timeline"') :]
    assert "王晓敏</strong> 登记" in timeline and "王晓敏</strong> 受理" in timeline
    assert "(待受理 → 待派单)" in timeline and "公开" in timeline


def test_identity_of_a_report_is_masked_and_unmask_is_logged(client, users):
    ticket = register(
        users["agent"], type="report", complainant__name="李四", complainant__phone="13911112222"
    )
    html = login(client, users["coordinator"]).get(f"/tickets/{ticket.number}/").content.decode()
    assert "李四" not in html and "13911112222" not in html and "139****2222" in html
    assert 'id="unmask-form"' in html

    refused = client.post(f"/tickets/{ticket.number}/unmask/", {"reason": ""})
    assert refused.status_code == 400 and "查看身份信息须填写理由" in refused.content.decode()
    assert not ticket.events.filter(action="unmask").exists()

    shown = client.post(f"/tickets/{ticket.number}/unmask/", {"reason": "核实举报线索"})
    assert shown.status_code == 200 and "李四" in shown.content.decode()
    event = ticket.events.get(action="unmask")
    assert event.actor == users["coordinator"] and event.comment == "核实举报线索"
    # once: the next view is masked again
    assert "李四" not in client.get(f"/tickets/{ticket.number}/").content.decode()


def test_an_agent_may_not_unmask(client, users):
    ticket = register(users["agent"], type="report", complainant__name="李四")
    html = login(client, users["agent"]).get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="unmask-form"' not in html
    response = client.post(f"/tickets/{ticket.number}/unmask/", {"reason": "好奇"})
    assert response.status_code == 403 and "李四" not in response.content.decode()
    assert not ticket.events.filter(action="unmask").exists()


def test_only_the_actions_this_user_may_take_now(client, users):
    ticket = register(users["agent"])
    assert actions_on(login(client, users["agent"]).get(f"/tickets/{ticket.number}/").content.decode()) == {
        "accept"
    }
    assert actions_on(
        login(client, users["coordinator"]).get(f"/tickets/{ticket.number}/").content.decode()
    ) == {
        "accept",
        "reject",
    }
    act(ticket, "accept", users["agent"])
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    html = login(client, users["head"]).get(f"/tickets/{ticket.number}/").content.decode()
    assert actions_on(html) == {"sign", "return"}
    assert 'data-action="sign"' in html
    html = login(client, users["agent"]).get(f"/tickets/{ticket.number}/").content.decode()
    assert actions_on(html) == set() and 'id="no-actions"' in html


def test_another_units_head_gets_404(client, users):
    ticket = register(users["agent"])
    response = login(client, users["head2"]).get(f"/tickets/{ticket.number}/")
    assert response.status_code == 404 and ticket.subject not in response.content.decode()


def test_attachment_download_is_checked(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = register(users["agent"])
    act(ticket, "accept", users["agent"])
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    att = attachment_add(
        ticket=ticket, upload=SimpleUploadedFile("证据.pdf", b"%PDF-1.4 evidence"), actor=users["agent"]
    )
    url = f"/tickets/{ticket.number}/attachments/{att.pk}/"
    html = login(client, users["head"]).get(f"/tickets/{ticket.number}/").content.decode()
    assert f'href="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    assert "attachment" in response["Content-Disposition"]
    other = Client()
    other.force_login(users["head2"])
    assert other.get(url).status_code == 404
    other_ticket = register(users["agent"])
    assert client.get(f"/tickets/{other_ticket.number}/attachments/{att.pk}/").status_code == 404


def test_upload_an_attachment(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = register(users["agent"])
    login(client, users["agent"])
    bad = client.post(f"/tickets/{ticket.number}/attachments/", {"file": SimpleUploadedFile("a.exe", b"MZ")})
    assert bad.status_code == 400 and "不支持的附件类型" in bad.content.decode()
    ok = client.post(
        f"/tickets/{ticket.number}/attachments/", {"file": SimpleUploadedFile("照片.png", b"\x89PNG")}
    )
    assert ok.status_code == 302
    assert ticket.attachments.get().name == "照片.png" and ticket.events.filter(action="attach").exists()


def test_overdue_and_provisional_marks(client, users):
    ticket = register(users["agent"])
    Ticket.objects.filter(pk=ticket.pk).update(
        due_at="2020-01-01T00:00:00Z", final_due_at="2020-01-02T00:00:00Z", deadline_provisional=True
    )
    html = login(client, users["agent"]).get(f"/tickets/{ticket.number}/").content.decode()
    assert html.count("已超期") == 2 and 'id="ticket-provisional"' in html


def test_no_external_urls_and_bounded_queries(client, users, django_assert_max_num_queries):
    ticket = register(users["agent"])
    act(ticket, "accept", users["agent"])
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    act(ticket, "sign", users["head"])
    act(ticket, "assign", users["head"], handler="handler")
    login(client, users["head"])
    with django_assert_max_num_queries(25):
        html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", html)


@pytest.mark.parametrize("path", ["/tickets/{n}/act/accept/", "/tickets/{n}/unmask/"])
def test_csrf_is_enforced(users, path):
    ticket = register(users["agent"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["coordinator"])
    assert strict.post(path.format(n=ticket.number), {"expected_version": 1}).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).version == 1


SIDE_TABLES = (
    "tickets_attachment",
    "tickets_ticketlink",
    "tickets_extensionrequest",
    "notify_message",
    "followup_returnvisit",
)


def side_reads(client, ticket) -> tuple[str, list[str]]:
    """The page, and the side tables it read rows of (the ``SELECT "table".…`` reads)."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/tickets/{ticket.number}/").content.decode()
    read = [t for q in queries.captured_queries for t in SIDE_TABLES if q["sql"].startswith(f'SELECT "{t}".')]
    return html, read


def test_side_panels_are_read_only_when_they_have_rows(client, users, settings, tmp_path):
    """One statement asks which side panels of the page have rows (and whether the user is
    at an extension); only those are read, and each shows what it has."""
    settings.MEDIA_ROOT = tmp_path
    login(client, users["coordinator"])
    bare, full = register(users["agent"], subject="无附件的工单"), register(users["agent"])
    Message.objects.filter(ticket__in=[bare, full]).delete()  # the registrations' receipts, if sent
    html, read = side_reads(client, bare)
    assert read == [] and "暂无消息" in html and "无附件" in html
    assert Present.of(bare, users["coordinator"]) == Present(False, False, False, False, False, False, 0)
    assert 'id="unread-count"' not in html

    attachment_add(ticket=full, upload=SimpleUploadedFile("现场.png", b"\x89PNG"), actor=users["agent"])
    html, read = side_reads(client, full)
    assert read == ["tickets_attachment"] and "现场.png" in html
    TicketLink.objects.create(ticket=full, target=bare, kind=LinkKind.RELATED)
    ExtensionRequest.objects.create(
        ticket=full,
        round=1,
        amount=3,
        unit="workday",
        reason="需现场复核",
        requested_by=users["head"],
        requested_at=timezone.now(),
    )
    Message.objects.create(
        ticket=full, kind="receipt", channel=MessageChannel.SMS, address="13255550002", subject="受理回执",
        body="已受理", batch_key="k", idempotency_key=f"side-panels-{full.pk}",
    )  # fmt: skip
    ReturnVisit.objects.create(ticket=full, created_at=timezone.now())
    Agent.objects.create(user=users["coordinator"], staff_no="2001", extension="8001")
    html, read = side_reads(client, full)
    assert sorted(read) == sorted(SIDE_TABLES)
    assert f">{bare.number}</a>" in html and "需现场复核" in html and "受理回执" in html
    assert Present.of(full, users["coordinator"]) == Present(True, True, True, True, True, True, 0)
    assert Present.of(full, users["agent"]).signed_in is False
    for i in range(3):  # the menu's badge: the coordinator's unread in-app messages, no other
        Message.objects.create(
            user=users["coordinator" if i else "head"], kind="dispatch", channel=MessageChannel.INAPP,
            subject="新工单", body="", batch_key="k", idempotency_key=f"side-panels-inapp-{i}",
        )  # fmt: skip
    html = client.get(f"/tickets/{full.number}/").content.decode()
    assert '<span class="badge rounded-pill bg-danger" id="unread-count">2</span>' in html
    assert Present.of(full, users["coordinator"]).unread == 2
    html, read = side_reads(client, bare)  # linked from the other one
    assert read == ["tickets_ticketlink"] and f">{full.number}</a>" in html
