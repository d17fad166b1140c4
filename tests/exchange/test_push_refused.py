"""Pushes refused: a wrong or missing signature, a replay, a disabled partner (403); a body
that is not a ticket (400 with the fields). Problem details with stable codes, never a 500,
and nothing written."""

from __future__ import annotations

import json
import time

import pytest

from hotline.exchange.models import PartnerTicket
from hotline.tickets.models import Ticket, TicketEvent
from tests.exchange.conftest import problem, push_body, sign


@pytest.fixture
def nothing_written(partner):
    yield
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0
    assert PartnerTicket.objects.count() == 0


def test_a_wrong_key_is_refused(nothing_written, push):
    problem(push(key="not-the-partners-key-000000000000000"), 403, "exchange_signature_invalid")


def test_a_body_changed_after_signing_is_refused(nothing_written, push):
    stamp = str(int(time.time()))
    signed = sign("push-key-0123456789-abcdefghijklmnop", stamp, json.dumps(push_body()).encode())
    tampered = json.dumps(push_body(subject="被篡改的标题")).encode()
    problem(push(raw=tampered, stamp=stamp, signature=signed), 403, "exchange_signature_invalid")


def test_a_signature_over_another_time_is_refused(nothing_written, push):
    raw = json.dumps(push_body()).encode()
    now = int(time.time())
    signed = sign("push-key-0123456789-abcdefghijklmnop", str(now - 1), raw)
    problem(push(raw=raw, stamp=str(now), signature=signed), 403, "exchange_signature_invalid")


def test_no_signature_headers_is_refused(nothing_written, push):
    body = problem(push(headers=False), 403, "exchange_signature_invalid")
    assert body["title"] == "无权执行此操作"


def test_an_unknown_partner_gets_the_same_answer_as_a_bad_signature(nothing_written, push):
    problem(push(url="/api/v1/exchange/nobody/tickets"), 403, "exchange_signature_invalid")


def test_a_request_replayed_after_the_window_is_refused(nothing_written, push, settings):
    settings.HOTLINE_EXCHANGE_SIGNATURE_WINDOW_SECONDS = 300
    captured = str(int(time.time()) - 301)  # signed correctly, five minutes and a second ago
    problem(push(stamp=captured), 403, "exchange_timestamp_expired")


def test_a_time_far_ahead_of_ours_is_refused(nothing_written, push):
    problem(push(stamp=str(int(time.time()) + 3600)), 403, "exchange_timestamp_expired")


@pytest.mark.parametrize("stamp", ["", "abc", "-5", "1e9", "99999999999999999999"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(nothing_written, push, stamp):
    response = push(stamp=stamp)
    assert response.status_code == 403
    assert response.json()["code"] in ("exchange_timestamp_expired", "exchange_signature_invalid")


def test_a_replay_of_a_registered_push_after_the_window_is_refused(partner, push):
    raw = json.dumps(push_body()).encode()
    stamp = str(int(time.time()) - 301)
    problem(push(raw=raw, stamp=stamp), 403, "exchange_timestamp_expired")
    assert Ticket.objects.count() == 0


def test_a_disabled_partner_is_refused_only_after_its_signature_checks(nothing_written, partner, push):
    partner.enabled = False
    partner.save()
    problem(push(), 403, "exchange_partner_disabled")
    problem(push(key="not-the-partners-key-000000000000000"), 403, "exchange_signature_invalid")


def test_not_json_is_400_malformed(nothing_written, push):
    body = problem(push(raw=b"{not json"), 400, "exchange_push_malformed")
    assert "errors" in body


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ([1, 2], "exchange_push_invalid", ""),
        ("just text", "exchange_push_invalid", ""),
        ({k: v for k, v in push_body().items() if k != "subject"}, "exchange_push_invalid", "subject"),
        ({k: v for k, v in push_body().items() if k != "ticket_id"}, "exchange_push_invalid", "ticket_id"),
        (push_body(ticket_id="has space"), "exchange_push_invalid", "ticket_id"),
        (push_body(ticket_id="x" * 101), "exchange_push_invalid", "ticket_id"),
        (push_body(channel="phone"), "exchange_push_invalid", "channel"),  # not the partner's to say
        (push_body(unit="JZ-DH-SJ"), "exchange_push_invalid", "unit"),
        (push_body(type="grievance"), "exchange_push_invalid", "type"),
        (push_body(complainant="王建华 13912345678"), "exchange_push_invalid", "complainant"),
        (push_body(subject=["a"]), "exchange_push_invalid", "subject"),
        (push_body(subject="a\x00b"), "exchange_push_invalid", "subject"),
        (
            push_body(complainant={"name": "王", "phone": "1", "age": 3}),
            "exchange_push_invalid",
            "complainant.age",
        ),
        (push_body(dispatched_at="yesterday"), "exchange_push_invalid", "dispatched_at"),
        (push_body(dispatched_at="9999-01-01T00:00:00+08:00"), "exchange_push_invalid", "dispatched_at"),
        (
            push_body(dispatched_at="2026-11-01T09:00:00+08:00", due_at="2026-10-01T09:00:00+08:00"),
            "exchange_push_invalid",
            "due_at",
        ),
        # what the core refuses: its own codes, with the push's field names
        (push_body(complainant={"name": "王建华", "phone": "12"}), "invalid_phone", "complainant.phone"),
        (push_body(complainant={"name": "王建华"}), "phone_required", "complainant.phone"),
        (push_body(category="no-such-category"), "invalid_category", "category"),
        (push_body(dispatched_at="2099-01-01T09:00:00+08:00"), "received_in_future", "dispatched_at"),
    ],
)
def test_a_bad_body_is_400_with_its_field(nothing_written, push, payload, code, field):
    body = problem(push(payload), 400, code)
    assert field in body["errors"], body
    assert body["errors"][field]


def test_an_oversized_body_is_413_not_500(nothing_written, push, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    problem(push(push_body(description="很长" * 2000)), 413, "exchange_push_too_large")


def test_a_get_is_405(nothing_written, client):
    assert client.get("/api/v1/exchange/prov/tickets").status_code == 405


def test_a_body_nested_too_deep_is_400(nothing_written, push):
    raw = b"[" * 5000 + b"]" * 5000
    problem(push(raw=raw), 400, "exchange_push_malformed")
