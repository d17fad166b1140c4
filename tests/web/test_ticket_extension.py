"""延期 on the ticket page: the unit in words, the due time it gives before the request is
sent (computed by the calendar functions) and before it is approved, next to the button."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.tickets.models import Ticket
from hotline.web import extension
from tests.helpers import act
from tests.web.flow import handling

# Dispatched on Monday 2026-03-02 09:00: the complaint's whole-ticket limit is 2 working days
# from dispatch (enterprise L27), so it is due on Wednesday 03-04 at 17:30.
AT = "2026-03-02 09:00"


@pytest.fixture
def as_user(users):
    def make(name: str) -> Client:
        client = Client()
        client.force_login(users[name])
        return client

    return make


def preview(client: Client, ticket: Ticket, amount: str, htmx: bool = True) -> Any:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(f"/tickets/{ticket.number}/extension-preview/", {"amount": amount}, **headers)


def test_the_request_form_says_the_unit_and_how_it_is_counted(as_user, users):
    html = as_user("head").get(f"/tickets/{handling(users).number}/").content.decode()
    form = html[html.index('id="action-request_extension"') :]
    form = form[: form.index("</form>")]
    assert "延期数量(工作日)" in form
    assert "单位:工作日。按工作日计算:从原时限的次日起数" in form and "周末和法定节假日不计入" in form
    assert "本轮还可申请1次,共5个工作日。" in form
    assert 'hx-get="/tickets/' in form and 'hx-target="#extension-preview"' in form
    assert 'id="extension-preview"' in form and "填写数量后,这里显示延期后的时限。" in form
    assert 'id="extension-preview-button"' in form  # the same without JavaScript, inside <noscript>


def test_the_preview_shows_the_due_time_the_extension_gives(as_user, users):
    ticket = handling(users, at=AT)
    assert timezone.localtime(ticket.due_at).strftime("%m-%d %H:%M") == "03-04 17:30"
    html = preview(as_user("head"), ticket, "3").content.decode()
    assert html.lstrip().startswith('<div class="small border rounded')  # the box only
    assert "延期3个工作日后" in html
    assert re.search(r'id="preview-due">2026-03-04 17:30<', html)
    assert re.search(r'id="preview-new-due">2026-03-09 17:30<', html)  # Thu, Fri, (weekend), Mon
    assert Ticket.objects.get(pk=ticket.pk).due_at == ticket.due_at  # nothing saved


def test_the_preview_refuses_bad_amounts_in_words(as_user, users):
    ticket = handling(users, at=AT)
    head = as_user("head")
    assert "延期数量应为1至1000的整数" in preview(head, ticket, "abc").content.decode()
    assert "延期数量应为1至1000的整数" in preview(head, ticket, "0").content.decode()
    over = preview(head, ticket, "6").content.decode()
    assert "超过本轮可延期的总量(还可延期5个工作日)" in over and 'id="preview-new-due"' in over


def test_the_preview_without_javascript_is_the_page_with_the_form_kept(as_user, users):
    ticket = handling(users, at=AT)
    response = as_user("head").get(
        f"/tickets/{ticket.number}/extension-preview/", {"amount": "2", "reason": "需送检"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="ticket-number"' in html
    assert re.search(r'id="preview-new-due">2026-03-06 17:30<', html)
    form = html[html.index('id="action-request_extension"') :]
    assert 'value="2"' in form and "需送检</textarea>" in form
    assert re.search(r'<details[^>]*id="action-item-request_extension"[^>]*open', html)


def test_only_who_may_ask_gets_a_preview(as_user, users):
    ticket = handling(users, at=AT)
    assert "您不能为此工单申请延期" in preview(as_user("handler"), ticket, "2").content.decode()
    assert preview(as_user("handler"), ticket, "2", htmx=False).status_code == 403
    assert preview(as_user("head2"), ticket, "2", htmx=False).status_code == 404


def test_a_request_after_the_due_time_is_said_to_be_refused(as_user, users):
    ticket = handling(users, at=AT)  # due 03-04: long past
    html = as_user("head").get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="extension-late"' in html and "已不能再申请" in html
    assert 'data-action="request_extension" disabled>' in html


def test_a_pack_that_takes_late_requests_says_so(as_user, users, monkeypatch):
    monkeypatch.setattr(extension, "late_request_allowed", lambda rule: True)
    html = as_user("head").get(f"/tickets/{handling(users, at=AT).number}/").content.decode()
    late = html[html.index('id="extension-late"') :]
    assert "本政策包允许时限届满后申请延期(逾期申请)" in late[:300]


def test_the_approver_sees_amount_reason_and_both_due_times_by_the_button(as_user, users):
    ticket = act(handling(users, at=AT), "request_extension", users["head"], AT, amount=3, reason="需送检测")
    html = as_user("leader").get(f"/tickets/{ticket.number}/").content.decode()
    form = html[html.index('id="action-approve_extension"') :]
    form = form[: form.index("</form>")]
    box = form[form.index('id="extension-pending-approve_extension"') :]
    assert "申请延期3个工作日" in box and "陈志强" in box and "理由:需送检测" in box
    assert '当前时限 2026-03-04 17:30 → <strong class="extension-new-due">2026-03-09 17:30</strong>' in box
    assert box.index("extension-new-due") < form.index('data-action="approve_extension"')
    assert re.search(r'<details[^>]*id="action-item-approve_extension"[^>]*open', html)
    # and the approval gives exactly that due time
    approved = act(ticket, "approve_extension", users["leader"])
    assert timezone.localtime(approved.due_at).strftime("%Y-%m-%d %H:%M") == "2026-03-09 17:30"


def test_natural_days_are_explained(users):
    assert "24:00届满" in str(extension.UNIT_RULES["natural_days"])
    assert "顺延" in str(extension.UNIT_RULES["natural_days"])
    assert extension.amount_text(3, "natural_days") == "3个自然日"
    assert extension.amount_text(2, "working_days") == "2个工作日"


def test_the_approvals_inbox_says_what_is_asked(as_user, users):
    ticket = act(handling(users, at=AT), "request_extension", users["head"], AT, amount=3, reason="需送检测")
    html = as_user("leader").get("/approvals/").content.decode()
    row = html[html.index(f'id="row-{ticket.number}"') :]
    assert "申请延期3个工作日:需送检测" in row[: row.index("</tr>")]
