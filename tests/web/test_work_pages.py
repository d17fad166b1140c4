"""Every workbench page: served offline (no outside address), Chinese error pages, packs page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import register
from tests.helpers import act

LOCAL_HOSTS = {"localhost", "127.0.0.1", "testserver", ""}
PAGES = ["web:worklist", "web:board", "web:approvals", "web:callbacks", "web:notifications", "web:packs"]


def outside_addresses(html: str) -> list[str]:
    return [u for u in re.findall(r"https?://[^\s\"'<>)]+", html) if urlsplit(u).hostname not in LOCAL_HOSTS]


@pytest.fixture
def busy(users):
    ticket = act(register(users["agent"]), "accept", users["coordinator"])
    act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    register(users["agent"])


@pytest.mark.parametrize("username", ["admin", "coordinator", "leader", "head", "handler", "agent"])
def test_no_page_points_outside(client, users, busy, username):
    client.force_login(users[username])
    for name in PAGES:
        response = client.get(reverse(name))
        if response.status_code == 403:
            continue
        assert response.status_code == 200, name
        assert outside_addresses(response.content.decode()) == [], name
    assert outside_addresses(Client().get(reverse("web:login")).content.decode()) == []


def test_assets_are_our_own(client, users):
    client.force_login(users["head"])
    html = client.get(reverse("web:worklist")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert re.search(r'<script src="/static/django-htmx/|<script src="/static/[^"]*htmx', html)


def test_a_missing_page_is_a_chinese_404(client, users):
    client.force_login(users["head"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_the_500_page_renders_on_its_own():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "系统出错" in html and outside_addresses(html) == []


def test_the_packs_page_lists_every_loaded_pack(client, users):
    from hotline.policies.registry import all_packs

    client.force_login(users["admin"])
    html = client.get(reverse("web:packs")).content.decode()
    for pack in all_packs():
        assert f'id="pack-{pack.code}"' in html and pack.name in html


def test_the_english_switch_translates_the_frame(client, users):
    client.force_login(users["head"])
    client.post(reverse("set_language"), {"language": "en", "next": "/work/"})
    html = client.get(reverse("web:worklist")).content.decode()
    assert '<html lang="en">' in html
