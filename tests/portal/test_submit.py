"""Submitting on the public portal: each type, anonymity, contact, the number shown once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.tickets.models import Ticket, TicketEvent
from tests.portal.conftest import submit, submitted_receipt


@pytest.mark.parametrize("kind", ["complaint", "report", "consultation", "suggestion"])
def test_each_public_type_is_registered_from_the_web(org, client, kind):
    number, code = submitted_receipt(client, type=kind)

    ticket = Ticket.objects.get(number=number)
    assert (ticket.type, ticket.channel, ticket.query_code) == (kind, "web", code)
    assert (ticket.complainant_name, ticket.complainant_phone) == ("张三", "+8613812345678")
    event = TicketEvent.objects.get(ticket=ticket, action="register")
    assert event.actor is None and event.actor_label == "公众门户"


def test_the_respondent_is_kept_only_for_complaints_and_reports(org, client):
    number, _ = submitted_receipt(client, type="consultation")
    assert Ticket.objects.get(number=number).respondent_name == ""
    number, _ = submitted_receipt(client, type="complaint")
    assert Ticket.objects.get(number=number).respondent_name == "东湖路超市"


def test_number_and_code_are_shown_once(org, client):
    response = submit(client)
    assert response["Location"] == "/public/submitted/"
    first = client.get("/public/submitted/")
    number, code = first.context["receipt"]["number"], first.context["receipt"]["code"]
    assert number in first.content.decode() and code in first.content.decode()

    again = client.get("/public/submitted/").content.decode()
    assert code not in again and 'id="submitted-expired"' in again


def test_anonymous_report_gets_a_code_and_stores_no_identity(org, client):
    # the identity fields were filled in, then the reporter ticked 匿名
    number, code = submitted_receipt(client, type="report", anonymous="on")

    ticket = Ticket.objects.get(number=number)
    assert ticket.anonymous and ticket.confidential and len(code) == 6
    identity = (ticket.complainant_name, ticket.complainant_phone, ticket.complainant_email)
    assert identity == ("", "", "")


def test_anonymous_receipt_tells_the_reporter_to_keep_the_code(org, client):
    response = submit(client, type="report", anonymous="on")
    page = client.get(response["Location"]).content.decode()
    assert 'id="anonymous-warning"' in page and "张三" not in page and "13812345678" not in page


def test_only_reports_may_be_anonymous(org, client):
    response = submit(client, type="complaint", anonymous="on")
    assert response.status_code == 200
    assert "只有举报可以匿名提交" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_real_name_submission_needs_a_phone_or_an_email(org, client):
    response = submit(client, phone="", email="")
    assert response.status_code == 200
    assert "实名提交请留下电话或电子邮箱" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_required_fields_give_chinese_errors_and_store_nothing(org, client):
    response = submit(client, subject="", description="", phone="abc")
    body = response.content.decode()
    assert response.status_code == 200 and "该字段是必填项" in body and "电话号码格式不正确" in body
    assert Ticket.objects.count() == 0


def test_a_type_the_public_may_not_use_is_refused(org, client):
    response = submit(client, type="praise")
    assert response.status_code == 200 and Ticket.objects.count() == 0


def test_a_blocked_phone_number_is_refused(org, client):
    users = org.users
    entry = blocklist_request(phone="13900000000", reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])

    response = submit(client, phone="13900000000")
    assert response.status_code == 200
    assert "该号码已列入黑名单" in response.content.decode()
    assert Ticket.objects.count() == 0
    assert submit(client, phone="13812345678").status_code == 302


def test_an_anonymous_report_is_not_checked_against_the_blocklist(org, client):
    # nothing about the reporter is kept, so there is no number to check
    users = org.users
    entry = blocklist_request(phone="13900000000", reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    response = submit(client, type="report", anonymous="on", phone="13900000000")
    assert response.status_code == 302


def test_the_date_the_matter_happened_is_kept(org, client):
    day = timezone.localdate() - timedelta(days=40)
    number, _ = submitted_receipt(client, occurred_on=day.isoformat())
    assert Ticket.objects.get(number=number).occurred_on == day


@pytest.mark.parametrize(
    ("day", "message"),
    [(1, "事项发生日期不能晚于今天"), (-50000, "事项发生日期不能早于1900年")],
    ids=["tomorrow", "before-1900"],
)
def test_a_date_in_the_future_or_long_ago_is_refused_on_the_field(org, client, day, message):
    when = timezone.localdate() + timedelta(days=day)
    response = submit(client, occurred_on=when.isoformat())
    assert response.status_code == 200
    assert response.context["form"].errors["occurred_on"] == [message]
    assert Ticket.objects.count() == 0


def test_the_date_field_offers_no_day_after_today(org, client):
    page = client.get("/public/submit/").content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in page and 'type="date"' in page
