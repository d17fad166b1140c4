"""Login, the failed-login limit, logout, and CSRF on every workbench post."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_login_page_is_chinese(client, db):
    html = client.get(reverse("web:login")).content.decode()
    assert "工作人员登录" in html and 'id="login-form"' in html


def test_a_right_password_logs_in_and_goes_home(client, users):
    response = login(client, "head", PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").url == "/work/?tab=unit"


def test_a_wrong_password_says_so_in_chinese(client, users):
    response = login(client, "head", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_too_many_failures_lock_out_even_the_right_password(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "head", "wrong-password").status_code == 200
    assert login(client, "head", "wrong-password").status_code == 429  # the last one counted
    response = login(client, "head", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode() and 'id="login-form"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_user_and_per_address(client, users):
    """Every door counts together (django-axes); tests/security/test_login_limit.py has the rest."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "head", "wrong-password")
    assert login(Client(), "head", PASSWORD, address="10.0.0.2").status_code == 429  # the user, anywhere
    assert login(Client(), "handler", PASSWORD, address="10.0.0.1").status_code == 429  # the address
    assert login(Client(), "handler", PASSWORD, address="10.0.0.3").status_code == 302  # anyone else


def test_logout_needs_a_post(client, users):
    client.force_login(users["head"])
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response.url == "/login/"
    assert client.get("/").status_code == 302 and "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("web:login", {"username": "head", "password": PASSWORD}),
        ("web:logout", {}),
        ("web:bulk_sign", {"ticket": ["X:1"]}),
        ("web:notifications_read", {"all": "1"}),
    ],
)
def test_every_post_needs_the_csrf_token(users, name, data):
    client = Client(enforce_csrf_checks=True)
    if name != "web:login":
        client.force_login(users["head"])
    response = client.post(reverse(name), data)
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_login(client, db):
    for name in (
        "web:home",
        "web:worklist",
        "web:board",
        "web:approvals",
        "web:callbacks",
        "web:notifications",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith("/login/?next="), name
