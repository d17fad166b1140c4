"""Deployment safety: the public default key is an error, and a forged X-Forwarded-For does
not buy a fresh rate-limit budget."""

from __future__ import annotations

from django.core.checks import run_checks
from django.test import override_settings

from hotline.core.checks import check_secret_key


@override_settings(SECRET_KEY="hotline-embedded-insecure-key-change-me-in-production")
def test_the_key_once_shipped_in_the_source_is_an_error():
    assert [m.id for m in check_secret_key()] == ["hotline.E001"]
    assert "hotline.E001" in [m.id for m in run_checks(include_deployment_checks=True)]


@override_settings(ALLOWED_HOSTS=["hotline.example.gov.cn"], DEBUG=False)
def test_an_own_key_passes():
    assert check_secret_key() == []


def test_a_new_forwarded_for_header_does_not_reset_the_public_limit(client, org, monkeypatch):
    """NUM_PROXIES=0: limits count REMOTE_ADDR; the client-written header is ignored."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    assert api_settings.NUM_PROXIES == 0
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "public_query": "3/hour"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    codes = [
        client.get(
            "/api/v1/public/submissions/20990101000001/",
            {"code": "000000"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(5)
    ]
    assert codes == [404, 404, 404, 429, 429]
