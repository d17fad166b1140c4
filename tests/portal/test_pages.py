"""Every portal page: renders without login, serves its own assets, needs CSRF to post."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hotline.tickets.models import Ticket
from tests.portal.conftest import form_data, submitted_receipt, to_replied

EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def portal_pages(org, client):
    number, code = submitted_receipt(client)
    to_replied(Ticket.objects.get(number=number), org.users)
    yield "/public/", client.get("/public/")
    yield "/public/submit/", client.get("/public/submit/")
    yield "/public/submitted/", client.get("/public/submitted/")
    yield "/public/track/ (result)", client.post("/public/track/", {"number": number, "code": code})
    yield "/public/rate/", client.get(f"/public/rate/{number}/")
    yield "/public/rate/ (code)", Client().get(f"/public/rate/{number}/")


def test_pages_render_and_load_nothing_from_outside(org, client):
    for name, response in portal_pages(org, client):
        assert response.status_code == 200, name
        body = response.content.decode()
        assert not EXTERNAL.findall(body), (name, EXTERNAL.findall(body))
        assert "/static/vendor/bootstrap/bootstrap.min.css" in body, name


def test_pages_need_no_login(org):
    assert Client().get("/public/").status_code == 200
    assert Client().get("/public/submit/").status_code == 200


@pytest.mark.parametrize(
    "path,data",
    [("/public/submit/", form_data()), ("/public/track/", {"number": "1", "code": "1"})],
    ids=["submit", "track"],
)
def test_posts_need_the_csrf_token(org, path, data):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(path, data).status_code == 403
    assert Ticket.objects.count() == 0


def test_rating_needs_the_csrf_token(org, client):
    number, code = submitted_receipt(client)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(f"/public/rate/{number}/", {"code": code}).status_code == 403


def test_the_submit_form_carries_the_csrf_token_and_the_api_field_names(org, client):
    body = client.get("/public/submit/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in body
    for field in (
        "type",
        "subject",
        "description",
        "demand",
        "name",
        "phone",
        "email",
        "anonymous",
        "respondent_name",
        "respondent_address",
        "region",
    ):
        assert f'name="{field}"' in body, field
