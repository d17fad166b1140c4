"""Only a push signed with our secret is taken; a missing or wrong signature is a 403 problem
and writes nothing."""

from __future__ import annotations

import time

import pytest

from hotline.smsin.models import InboundSms
from hotline.tickets.models import Ticket
from tests.smsin.conftest import URL, body_of, ok, post, problem, signed, sms, url_sig

TEXT = "小区门口垃圾三天没人清运"


def _nothing_written() -> None:
    assert not InboundSms.objects.exists() and not Ticket.objects.exists()


def test_a_body_signed_in_the_header_is_taken(provider, org):
    ok(post(provider, [sms(TEXT)]))
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "header",
    [
        "",  # none at all
        "t=1700000000",  # no signature
        "v1=" + "0" * 64,  # no time
        "garbage",
    ],
)
def test_a_missing_or_malformed_signature_is_refused(provider, org, header):
    body = body_of([sms(TEXT)])
    extra = {"HTTP_X_HOTLINE_SIGNATURE": header} if header else {}
    response = provider.post(URL, data=body, content_type="application/json", **extra)
    problem(response, 403, "sms_signature_invalid")
    _nothing_written()


def test_a_signature_with_another_secret_is_refused(provider, org):
    body = body_of([sms(TEXT)])
    problem(
        post(provider, body=body, header=signed(body, secret="someone-else")), 403, "sms_signature_invalid"
    )
    _nothing_written()


def test_a_body_changed_after_signing_is_refused(provider, org):
    body = body_of([sms(TEXT)])
    header = signed(body)
    tampered = body.replace("垃圾".encode(), "噪音".encode())
    problem(post(provider, body=tampered, header=header), 403, "sms_signature_invalid")
    _nothing_written()


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_signature_older_or_newer_than_five_minutes_is_refused(provider, org, skew):
    body = body_of([sms(TEXT)])
    header = signed(body, at=int(time.time()) + skew)
    body_ = problem(post(provider, body=body, header=header), 403, "sms_signature_invalid")
    assert "5分钟" in body_["detail"]
    _nothing_written()


def test_the_signed_url_is_what_aliyun_can_carry(provider, org):
    body = body_of([sms(TEXT)])
    response = provider.post(f"{URL}?sig={url_sig()}", data=body, content_type="application/json")
    ok(response)
    assert Ticket.objects.count() == 1


def test_the_url_without_its_trailing_slash_is_the_same_endpoint(provider, org):
    body = body_of([sms(TEXT)])
    response = provider.post(f"{URL.rstrip('/')}?sig={url_sig()}", data=body, content_type="application/json")
    ok(response)


@pytest.mark.parametrize("sig", ["", "0" * 64, "not-hex", url_sig("someone-else")])
def test_a_wrong_url_signature_is_refused(provider, org, sig):
    body = body_of([sms(TEXT)])
    response = provider.post(f"{URL}?sig={sig}", data=body, content_type="application/json")
    problem(response, 403, "sms_signature_invalid")
    _nothing_written()


def test_a_wrong_header_is_refused_even_beside_a_right_url(provider, org):
    body = body_of([sms(TEXT)])
    response = provider.post(
        f"{URL}?sig={url_sig()}",
        data=body,
        content_type="application/json",
        HTTP_X_HOTLINE_SIGNATURE=signed(body, secret="someone-else"),
    )
    problem(response, 403, "sms_signature_invalid")
    _nothing_written()


def test_the_consoles_connectivity_check_is_answered_when_signed(provider, org):
    ok(provider.get(f"{URL}?sig={url_sig()}"))
    problem(provider.get(URL), 403, "sms_signature_invalid")


def test_the_signature_is_checked_before_the_body_is_parsed(provider, org):
    # an unsigned body that is not even JSON: the answer is about the signature
    response = provider.post(URL, data=b"{not json", content_type="application/json")
    problem(response, 403, "sms_signature_invalid")


def test_without_a_secret_the_endpoint_is_off(provider, org, settings):
    settings.HOTLINE_SMS_INBOUND_SECRET = ""
    body = body_of([sms(TEXT)])
    problem(post(provider, body=body), 404, "not_found")
    problem(provider.get(f"{URL}?sig={url_sig()}"), 404, "not_found")
    _nothing_written()
