"""``/metrics``: request counts and latency by view, state gauges read at scrape time, and
who may read them (loopback not relayed by a proxy, or the token)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from hotline.followup.models import SweepSchedule
from hotline.notify.models import Message, MessageStatus
from hotline.tickets.models import OPEN_STATUSES, Ticket
from tests.factories import register
from tests.helpers import act

pytestmark = pytest.mark.django_db


def scrape(client, **extra):
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_name_method_and_status(client, users):
    before = scrape(client)
    client.get("/login/")
    client.get("/login/")
    client.get("/no-such-page/")
    after = scrape(client)
    key = {"view": "web:login", "method": "GET", "status": "200"}
    assert (
        value(after, "hotline_http_requests_total", **key)
        - value(before, "hotline_http_requests_total", **key)
        == 2
    )
    missing = {"view": "unmatched", "method": "GET", "status": "404"}
    assert (
        value(after, "hotline_http_requests_total", **missing)
        - value(before, "hotline_http_requests_total", **missing)
        == 1
    )
    latency = {"view": "web:login", "method": "GET"}
    assert (
        value(after, "hotline_http_request_duration_seconds_count", **latency)
        - value(before, "hotline_http_request_duration_seconds_count", **latency)
        == 2
    )
    # the raw path never becomes a label (bounded cardinality)
    assert not any("no-such-page" in str(labels) for _, labels in after)


def test_gauges_match_the_database(client, users):
    now = timezone.now()
    agent = users["agent"]
    fresh = register(agent)
    accepted = act(register(agent), "accept", users["coordinator"])
    late = register(agent, now=now - timedelta(days=60))  # long past its deadline
    assert late.due_at < now and fresh.due_at > now
    messages = list(Message.objects.order_by("pk"))
    Message.objects.filter(pk=messages[0].pk).update(status=MessageStatus.DEAD)
    Message.objects.filter(pk=messages[1].pk).update(
        status=MessageStatus.RETRYING, next_attempt_at=now - timedelta(minutes=30)
    )

    samples = scrape(client)

    for stage in {fresh.stage, accepted.stage}:
        expected = Ticket.objects.filter(stage=stage, status="open").count()
        assert value(samples, "hotline_tickets_open", stage=stage, status="open") == expected > 0
    assert sum(v for (name, _), v in samples.items() if name == "hotline_tickets_open") == 3
    overdue = sum(
        1 for t in Ticket.objects.all() if t.status in OPEN_STATUSES and t.due_at and t.due_at < now
    )
    assert value(samples, "hotline_tickets_overdue") == overdue >= 1
    for status in ("pending", "sending", "retrying", "dead"):
        expected = sum(1 for m in Message.objects.all() if m.status == status)
        assert value(samples, "hotline_outbox_messages", status=status) == expected
    assert value(samples, "hotline_outbox_messages", status="dead") == 1
    assert value(samples, "hotline_outbox_oldest_due_seconds") >= 30 * 60
    oldest = min(s.next_at for s in SweepSchedule.objects.all() if s.next_at and s.next_at <= timezone.now())
    lag = value(samples, "hotline_sweep_lag_seconds")
    assert abs(lag - (timezone.now() - oldest).total_seconds()) < 30
    assert lag > 59 * 24 * 3600  # the ticket registered 60 days ago waits since then

    from hotline.jobs.queue import huey

    assert value(samples, "hotline_queue_pending_tasks") == huey.pending_count()
    assert all(
        value(samples, "hotline_metrics_part_failed", part=p) == 0 for p in ("tickets", "outbox", "sweep")
    )


def test_a_scrape_costs_the_same_few_queries_however_many_tickets(client, users, django_assert_num_queries):
    for _ in range(3):
        register(users["agent"])
    with django_assert_num_queries(6):
        client.get("/metrics")
    for _ in range(5):
        register(users["agent"])
    with django_assert_num_queries(6):
        client.get("/metrics")


def test_one_broken_part_is_reported_and_the_rest_still_served(client, monkeypatch):
    from hotline.ops import metrics

    def broken(now):
        raise RuntimeError("database gone")

    monkeypatch.setattr(metrics, "overdue_tickets", broken)
    samples = scrape(client)
    assert value(samples, "hotline_metrics_part_failed", part="tickets") == 1
    assert value(samples, "hotline_metrics_part_failed", part="outbox") == 0
    assert ("hotline_sweep_lag_seconds", ()) in samples


# --- who may read them ---------------------------------------------------------------


def test_loopback_may_read_the_metrics(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_another_address_is_refused_with_a_problem(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "metrics_forbidden"
    assert b"hotline_" not in response.content


def test_a_local_proxy_relaying_someone_else_is_not_loopback(client):
    # nginx on the same machine with HOTLINE_NUM_PROXIES left at 0
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 403


def test_behind_a_configured_proxy_the_forwarded_client_decides(client):
    rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with override_settings(REST_FRAMEWORK=rest):
        outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
        local = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
        forged = client.get(
            "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.7"
        )
    assert (outside.status_code, local.status_code, forged.status_code) == (403, 200, 403)


@override_settings(HOTLINE_METRICS_TOKEN="s3cret-token-for-prometheus")
def test_the_token_opens_the_metrics_from_anywhere(client):
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus", **outside).status_code
        == 200
    )
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="bearer s3cret-token-for-prometheus", **outside).status_code
        == 200
    )
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-token-for-prometheus", **outside).status_code
        == 403
    )
    assert client.get("/metrics", **outside).status_code == 403


def test_without_a_token_setting_an_empty_bearer_does_not_open_them(client):
    assert settings.HOTLINE_METRICS_TOKEN == ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", REMOTE_ADDR="203.0.113.7").status_code == 403
