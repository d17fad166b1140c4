"""The rectification pages: list, issue (also from a ticket), the notice with its steps; never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.rectification.models import Notice, NoticeStep
from hotline.rectification.services import notice_report
from tests.factories import register


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_issue_from_a_ticket_and_walk_it_to_verified(org):
    users = org.users
    ticket = register(users["agent"], policy="enterprise")
    coordinator, head = _client(users["coordinator"]), _client(users["head"])

    form = coordinator.get(reverse("web:rectification-new"), {"ticket": ticket.number})
    assert form.status_code == 200
    assert f'value="{ticket.number}"' in form.content.decode()
    posted = coordinator.post(
        reverse("web:rectification-new"),
        {
            "unit": "JZ-DH-SJ",
            "ticket": ticket.number,
            "subject": "整改",
            "problem": "问题",
            "requirement": "要求",
            "days": "3",
        },
    )
    notice = Notice.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse(
        "web:rectification", args=[notice.number]
    )
    assert notice.ticket == ticket

    page = head.get(reverse("web:rectification", args=[notice.number])).content.decode()
    assert 'id="rect-act-report"' in page and 'id="rect-act-verify"' not in page
    act = reverse("web:rectification-act", args=[notice.number, "report"])
    assert head.post(act, {"text": "已整改。", "version": "1"}).status_code == 302
    page = coordinator.get(reverse("web:rectification", args=[notice.number])).content.decode()
    assert 'id="rect-act-verify"' in page and 'id="rect-act-send_back"' in page
    verify = reverse("web:rectification-act", args=[notice.number, "verify"])
    assert coordinator.post(verify, {"comment": "到位", "version": "2"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == "verified"
    page = coordinator.get(reverse("web:rectification", args=[notice.number])).content.decode()
    assert page.count('data-action="') >= 3 and "验证通过" in page


def test_list_is_scoped_and_filtered(org, issue):
    users = org.users
    mine, other = issue("JZ-DH-SJ"), issue("JZ-XS-ZJ")
    notice_report(notice=mine, actor=users["head"], text="已整改。")
    page = _client(users["head"]).get(reverse("web:rectification-list")).content.decode()
    assert mine.number in page and other.number not in page
    coordinator = _client(users["coordinator"])
    page = coordinator.get(reverse("web:rectification-list"), {"status": "issued"}).content.decode()
    assert other.number in page and mine.number not in page
    page = coordinator.get(reverse("web:rectification-list"), {"unit": "JZ-DH"}).content.decode()
    assert mine.number in page and other.number not in page
    page = coordinator.get(reverse("web:rectification-list"), {"overdue": "1"}).content.decode()
    assert other.number in page and mine.number not in page  # issued in 2025, long past its deadline
    assert (
        coordinator.get(reverse("web:rectification-list"), {"status": "x", "page": "-1"}).status_code == 200
    )
    partial = coordinator.get(
        reverse("web:rectification-list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rect-results"
    )
    assert "<form" not in partial.content.decode() and other.number in partial.content.decode()


def test_a_stale_step_shows_who_acted_and_keeps_the_text(org, issue):
    users = org.users
    notice = issue()
    notice_report(notice=notice, actor=users["head"], text="已整改。")
    coordinator = _client(users["coordinator"])
    coordinator.post(
        reverse("web:rectification-act", args=[notice.number, "send_back"]),
        {"reason": "不完整", "version": "2"},
    )
    leader = _client(users["leader"])
    response = leader.post(
        reverse("web:rectification-act", args=[notice.number, "verify"]),
        {"comment": "我的意见", "version": "2"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="rect-banner"' in page and "李建国" in page
    assert NoticeStep.objects.filter(notice=notice, action="verify").count() == 0


def test_bad_input_is_a_chinese_message(org, issue):
    users = org.users
    coordinator = _client(users["coordinator"])
    response = coordinator.post(reverse("web:rectification-new"), {"unit": "JZ-DH-SJ", "days": "abc"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写标题" in page and "整改期限应为工作日数" in page
    notice = issue()
    response = _client(users["head"]).post(
        reverse("web:rectification-act", args=[notice.number, "report"]), {"text": "", "version": "1"}
    )
    assert response.status_code == 400 and "请填写整改报告" in response.content.decode()
    response = coordinator.get(reverse("web:rectification-new"), {"ticket": "20990101000001"})
    assert response.status_code == 200 and "不存在" in response.content.decode()
    assert Notice.objects.count() == 1


@pytest.mark.parametrize(
    ("user", "url_name", "args", "status"),
    [
        ("head2", "web:rectification", True, 404),
        ("head", "web:rectification-new", False, 403),
        ("agent", "web:rectification-list", False, 403),
        ("handler", "web:rectification-list", False, 403),
    ],
)
def test_refusals(org, issue, user, url_name, args, status):
    notice = issue()
    url = reverse(url_name, args=[notice.number] if args else [])
    assert _client(org.users[user]).get(url).status_code == status


def test_missing_notice_and_unknown_action_are_404(org, issue):
    coordinator = _client(org.users["coordinator"])
    assert coordinator.get(reverse("web:rectification", args=["ZG2025-9999"])).status_code == 404
    notice = issue()
    url = reverse("web:rectification-act", args=[notice.number, "explode"])
    assert coordinator.post(url, {}).status_code == 404
    url = reverse("web:rectification-act", args=[notice.number, "report"])
    response = coordinator.post(url, {"text": "代报", "version": "1"})
    assert response.status_code == 403 and "只有整改单位负责人" in response.content.decode()


def test_list_by_ticket(org, issue):
    ticket = register(org.users["agent"], policy="enterprise")
    about, pattern = issue(ticket=ticket), issue()
    page = _client(org.users["coordinator"]).get(reverse("web:rectification-list"), {"ticket": ticket.number})
    assert about.number in page.content.decode() and pattern.number not in page.content.decode()
