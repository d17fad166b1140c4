"""Offline anti-abuse on the public form: form token, honeypot, rate limit per IP."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from django.core.cache import cache

from hotline.portal.antiabuse import MIN_FILL_SECONDS, form_token_ok, issue_form_token
from hotline.tickets.models import Ticket
from tests.portal.conftest import form_data, submit


def test_a_filled_honeypot_is_refused(org, client):
    response = submit(client, website="http://spam.example")
    assert 'id="submit-refusal"' in response.content.decode()
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "token",
    [lambda: "", lambda: "forged", lambda: issue_form_token(now=time.time())],
    ids=["missing", "forged", "posted-at-once"],
)
def test_a_bad_or_too_fresh_form_token_is_refused(org, client, token):
    response = submit(client, form_token=token())
    assert 'id="submit-refusal"' in response.content.decode()
    assert Ticket.objects.count() == 0


def test_form_token_ages():
    now = time.time()
    assert form_token_ok(issue_form_token(now=now - MIN_FILL_SECONDS - 1))
    assert not form_token_ok(issue_form_token(now=now - 7 * 3600))  # handed out too long ago
    tampered = issue_form_token(now=now - 60)[:-2] + "xx"
    assert not form_token_ok(tampered)


def test_submissions_are_rate_limited_per_ip(org, client, rates):
    rates(public_submit="2/hour")
    codes = [submit(client).status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert "提交过于频繁" in submit(client).content.decode()
    assert Ticket.objects.count() == 2


def test_another_address_has_its_own_budget(org, client, rates):
    rates(public_submit="1/hour")
    assert submit(client).status_code == 302
    assert submit(client).status_code == 429
    other = client.post("/public/submit/", form_data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_invalid_forms_do_not_use_up_the_budget(org, client, rates):
    rates(public_submit="1/hour")
    assert submit(client, subject="").status_code == 200
    assert submit(client).status_code == 302


def test_the_rate_limit_holds_in_redis(org, client, rates, settings):
    prefix = f"test-portal-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    rates(public_submit="1/hour")
    try:
        assert submit(client).status_code == 302
        assert submit(client).status_code == 429
        keys = redis.Redis(host="127.0.0.1", port=6379).keys(f"{prefix}:*throttle_public_submit_*")
        assert len(keys) == 1
    finally:
        cache.delete_many(["throttle_public_submit_127.0.0.1"])
