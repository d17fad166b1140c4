"""Delivery over real loopback servers: SMTP (aiosmtpd) and the Aliyun SMS protocol."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from hotline.notify.channels.email import message_id
from hotline.notify.delivery import backoff_seconds, deliver_due
from hotline.notify.models import Message
from hotline.notify.services import message_requeue, notify_complainant
from hotline.tickets.models import Ticket
from tests.factories import PersonFactory, register


def _ticket(users, **person):
    return register(users["agent"], complainant=PersonFactory(**person))


def test_email_and_sms_arrive_and_the_row_says_sent(users, channels):
    ticket = _ticket(users, phone="13800001111", email="zhang@example.com")
    report = deliver_due()
    assert len(report.sent) == 2
    (mail,) = channels["smtp"].received
    (sms,) = channels["sms"].sent
    email_row = Message.objects.get(ticket=ticket, channel="email")
    sms_row = Message.objects.get(ticket=ticket, channel="sms")
    assert mail.rcpt_tos == ["zhang@example.com"]
    assert mail.message_id == message_id(email_row.idempotency_key) == email_row.provider_message_id
    assert ticket.query_code in mail.body and mail.subject == email_row.subject
    assert (sms.phone, sms.out_id, sms.sign_name) == ("13800001111", sms_row.idempotency_key, "江州12345")
    assert sms.template_code == "SMS_HOTLINE_RECEIPT"
    assert sms.template_param["query_code"] == ticket.query_code
    assert sms_row.provider_message_id == sms.biz_id
    for row in (email_row, sms_row):
        assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_nothing_is_sent_twice_once_sent(users, channels):
    _ticket(users, phone="13800001111", email="zhang@example.com")
    deliver_due()
    assert deliver_due().sent == []
    assert (len(channels["smtp"].received), channels["sms"].requests) == (1, 1)


def test_a_wrong_signature_is_refused_by_the_gateway_for_good(users, channels, settings):
    settings.HOTLINE_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    ticket = _ticket(users, phone="13800001111", email="")
    report = deliver_due()
    row = Message.objects.get(ticket=ticket, channel="sms")
    assert row.status == "dead" and "SignatureDoesNotMatch" in row.last_error
    assert report.dead == [row.pk] and channels["sms"].sent == []


def test_provider_flow_control_is_retried_with_backoff(users, channels):
    channels["sms"].fail_next = 1
    ticket = _ticket(users, phone="13800001111", email="")
    before = timezone.now()
    report = deliver_due()
    row = Message.objects.get(ticket=ticket, channel="sms")
    assert report.retrying == [row.pk]
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "isv.BUSINESS_LIMIT_CONTROL" in row.last_error
    assert row.next_attempt_at >= before
    report = deliver_due(now=row.next_attempt_at + timedelta(seconds=1))
    row.refresh_from_db()
    assert (row.status, row.attempts, report.sent) == ("sent", 2, [row.pk])
    assert len(channels["sms"].sent) == 1


def test_an_illegal_number_goes_dead_at_once(users, channels):
    # a number kept as typed before numbers were checked (registration now refuses "12345")
    ticket = _ticket(users, phone="13800001111", email="")
    Message.objects.filter(ticket=ticket).delete()
    Ticket.objects.filter(pk=ticket.pk).update(complainant_phone="12345")
    ticket.refresh_from_db()
    notify_complainant(ticket=ticket, kind="receipt", key="legacy")
    deliver_due()
    row = Message.objects.get(ticket=ticket, channel="sms")
    assert (row.status, row.attempts) == ("dead", 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in row.last_error


def test_smtp_down_retries_until_max_attempts_then_dead_and_requeue_sends(users, channels, settings):
    settings.HOTLINE_NOTIFY_MAX_ATTEMPTS = 3
    channels["smtp"].stop()
    ticket = _ticket(users, phone="", email="zhang@example.com")
    row = Message.objects.get(ticket=ticket, channel="email")
    for attempt in (1, 2, 3):
        deliver_due(now=timezone.now() + timedelta(hours=attempt))
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == "dead" and "ConnectionRefused" in row.last_error
    channels["smtp"].start()
    assert message_requeue(message_ids=[row.pk]) == 1
    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(channels["smtp"].received) == 1


def test_unconfigured_channel_leaves_a_visible_skipped_row(users, settings):
    settings.HOTLINE_SMTP_HOST = ""
    settings.HOTLINE_SMS_ENDPOINT = ""
    ticket = _ticket(users, phone="13800001111", email="zhang@example.com")
    report = deliver_due()
    rows = Message.objects.filter(ticket=ticket)
    assert {(r.channel, r.status, r.last_error) for r in rows} == {
        ("email", "skipped", "未配置邮件服务器"),
        ("sms", "skipped", "未配置短信网关"),
    }
    assert len(report.skipped) == 2


def test_a_lease_held_by_a_dead_worker_expires_and_the_message_is_sent_once(users, channels, settings):
    ticket = _ticket(users, phone="13800001111", email="")
    row = Message.objects.get(ticket=ticket, channel="sms")
    # a worker claimed it and died: "sending", lease in the future
    lease = timezone.now() + timedelta(seconds=60)
    Message.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, lease_until=lease, next_attempt_at=lease
    )
    assert deliver_due().sent == []  # still leased
    report = deliver_due(now=lease + timedelta(seconds=1))
    row.refresh_from_db()
    assert (report.sent, row.status, row.attempts) == ([row.pk], "sent", 2)


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.HOTLINE_NOTIFY_BACKOFF_SECONDS = 10
    settings.HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS = 100
    rng = random.Random(7)
    for attempt, full in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        values = [backoff_seconds(attempt, rng=rng) for _ in range(50)]
        assert all(full / 2 <= v <= full for v in values)
        assert max(values) - min(values) > 0  # jitter


def test_survey_link_carries_the_portal_url(users, channels, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = "https://hotline.example.gov.cn/"
    ticket = _ticket(users, phone="", email="zhang@example.com")
    notify_complainant(ticket=ticket, kind="survey_link", key="visit/1")
    deliver_due()
    bodies = [m.body for m in channels["smtp"].received]
    assert any(f"https://hotline.example.gov.cn/public/rate/{ticket.number}/" in b for b in bodies)


def test_a_message_whose_send_kills_the_worker_every_time_goes_dead(users, channels, settings):
    settings.HOTLINE_NOTIFY_MAX_ATTEMPTS = 3
    ticket = _ticket(users, phone="13800001111", email="")
    row = Message.objects.get(ticket=ticket, channel="sms")
    expired = timezone.now() - timedelta(seconds=1)
    # two claims ended without an outcome (the worker died): a third try is still allowed
    Message.objects.filter(pk=row.pk).update(
        status="sending", attempts=2, lease_until=expired, next_attempt_at=expired
    )
    assert deliver_due().sent == [row.pk]
    # three claims without an outcome: not claimed again, dead, nothing sent
    ticket = _ticket(users, phone="13800002222", email="")
    row = Message.objects.get(ticket=ticket, channel="sms")
    Message.objects.filter(pk=row.pk).update(
        status="sending", attempts=3, lease_until=expired, next_attempt_at=expired
    )
    report = deliver_due()
    row.refresh_from_db()
    assert (report.dead, report.sent, row.status, row.attempts) == ([row.pk], [], "dead", 3)
    assert "已放弃" in row.last_error and row.lease_until is None
    assert [s.phone for s in channels["sms"].sent] == ["13800001111"]
    assert message_requeue(message_ids=[row.pk]) == 1  # the admin can still re-queue it
    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
