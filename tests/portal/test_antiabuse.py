"""Offline anti-abuse on the public form: form token, honeypot, rate limit per IP."""

from __future__ import annotations

import html
import re
import time
import uuid

import pytest
import redis
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.portal.antiabuse import MIN_FILL_SECONDS, form_token_state, issue_form_token
from hotline.tickets.models import Ticket
from tests.portal.conftest import COMPLAINT, form_data, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


BLAME = ("过快", "太快", "机器人", "异常", "可疑")


def _token_in(page: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', page)
    assert match, "no form token on the page"
    return match.group(1)


def _keeps_everything_typed(page: str) -> None:
    for field in ("subject", "description", "demand", "region", "respondent_name", "name", "phone", "email"):
        assert html.escape(COMPLAINT[field]) in page, field


def test_a_filled_honeypot_is_refused_without_losing_the_text(org, client):
    response = submit(client, website="http://spam.example")
    page = response.content.decode()
    assert 'id="submit-refusal"' in page and "12345" in page  # the hotline as the other way in
    _keeps_everything_typed(page)
    assert not any(word in page for word in BLAME)
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "token",
    [
        lambda: "",
        lambda: "forged",
        lambda: issue_form_token(now=time.time()),
        lambda: issue_form_token(now=time.time() - 7 * 3600),
    ],
    ids=["missing", "forged", "posted-at-once", "expired"],
)
def test_a_quick_or_stale_send_is_shown_again_with_the_text_kept(org, client, token):
    response = submit(client, form_token=token())

    page = response.content.decode()
    assert response.status_code == 200 and Ticket.objects.count() == 0
    assert 'id="submit-confirm"' in page and 'id="submit-refusal"' not in page
    assert not any(word in page for word in BLAME)
    _keeps_everything_typed(page)
    # sending it again at once, with the token of the page shown, registers it
    again = submit(client, form_token=_token_in(page))
    assert again.status_code == 302, again.content.decode()[:2000]
    assert Ticket.objects.count() == 1


def test_a_person_who_pastes_and_sends_at_once_is_never_refused(org, client):
    """The whole journey as a browser makes it: open the form, paste, send within a second."""
    token = _token_in(client.get("/public/submit/").content.decode())
    first = submit(client, form_token=token)
    assert first.status_code == 200 and 'id="submit-confirm"' in first.content.decode()
    second = submit(client, form_token=_token_in(first.content.decode()))
    assert second.status_code == 302
    number = client.get(second["Location"]).context["receipt"]["number"]
    assert Ticket.objects.get(number=number).subject == COMPLAINT["subject"]


def test_a_quick_send_with_files_asks_to_choose_them_again(org, client):
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    response = submit(client, form_token=issue_form_token(now=time.time()), attachments=upload)
    page = response.content.decode()
    assert 'id="submit-confirm"' in page and 'id="submit-files-dropped"' in page
    assert Ticket.objects.count() == 0


def test_form_token_states():
    now = time.time()
    assert form_token_state(issue_form_token(now=now - MIN_FILL_SECONDS - 1), now=now) == "ok"
    assert form_token_state(issue_form_token(now=now - 1), now=now) == "too_fast"
    assert form_token_state(issue_form_token(now=now - 1, confirmed=True), now=now) == "ok"
    assert form_token_state(issue_form_token(now=now - 7 * 3600), now=now) == "expired"
    assert form_token_state(issue_form_token(now=now - 7 * 3600, confirmed=True), now=now) == "expired"
    assert form_token_state("forged", now=now) == "invalid"


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
