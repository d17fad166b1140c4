"""A crawl of the workbench as every demo role: every field is labelled, every page is in
one language per request, no page errs."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from hotline.callers.services import blocklist_request
from hotline.web import selectors
from tests.factories import register
from tests.helpers import act
from tests.web.flow import handling, replied
from tests.web.labels import unlabelled

ROLES = ("agent", "coordinator", "head", "handler", "leader", "teamlead", "admin")


def test_every_page_of_every_role_labels_every_field(users):
    report = act(register(users["agent"], type="report"), "accept", users["coordinator"])
    working = act(handling(users), "request_extension", users["head"], amount=2, reason="需送检")
    answered = replied(users)
    blocklist_request(phone="13700009999", reason="骚扰", actor=users["agent"])
    for name in ROLES:
        client = Client()
        user = users[name]
        client.force_login(user)
        urls = [reverse(f"web:{page}") for page in selectors.allowed_pages(user)]
        urls += [f"/tickets/{t.number}/" for t in (report, working, answered)]
        urls += ["/work/?tab=mine", "/work/?tab=unit"] if "worklist" in selectors.allowed_pages(user) else []
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (name, url, response.status_code)
            html = response.content.decode()
            assert unlabelled(html) == [], (name, url, unlabelled(html))


def test_the_intake_read_back_and_the_caller_panel_label_their_fields(client, users):
    client.force_login(users["agent"])
    html = client.get("/intake/lookup/", {"phone": "13700001234"}).content.decode()
    assert 'id="id_blocklist_reason"' in html and unlabelled(html) == []
    data = {
        "complainant.phone": "13700001234", "type": "complaint", "severity": "normal", "subject": "噪声",
        "description": "夜间施工", "channel": "phone", "unit": "JZ-C",
    }  # fmt: skip
    html = client.post("/intake/", data).content.decode()
    assert 'id="readback"' in html and unlabelled(html) == []


def test_the_login_page_labels_its_fields(client):
    html = client.get("/login/").content.decode()
    assert unlabelled(html) == [] and re.search(r"<label[^>]*for=\"id_username\"", html)
