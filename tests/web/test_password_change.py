"""修改密码 (000 L48 item 4): every workbench user changes their own password at
/account/password/ — the old one checked (and counted as a failed login when wrong), the
new one twice and by the validators of ``AUTH_PASSWORD_VALIDATORS``; the session stays."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from hotline.telephony.models import Agent
from hotline.telephony.services import agent_sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/account/password/"
NEW = "Rx7-北京-热线-2026"


def _client(username: str = "agent", password: str = PASSWORD) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": password}).status_code == 302
    return client


def _change(client: Client, old: str, new1: str, new2: str | None = None) -> Any:
    return client.post(
        URL, {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2}
    )


def _password_is(username: str, password: str) -> bool:
    return bool(get_user_model().objects.get(username=username).check_password(password))


def test_the_page_is_in_chinese_in_the_workbench_and_linked_from_the_menu(users: dict[str, Any]) -> None:
    assert Client().get(URL).status_code == 302  # a login first
    client = _client()
    home = client.get("/calls/", follow=True).content.decode()
    assert 'id="password-change-link"' in home and 'href="/account/password/"' in home
    page = client.get(URL).content.decode()
    assert 'id="workbench-nav"' in page and 'id="password-change-form"' in page
    assert "原密码" in page and "再次输入新密码" in page and "密码至少需要 8 个字符。" in page


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field", "message"),
    [
        ("wrong-password", NEW, None, "old_password", "原密码不正确,请重新输入。"),
        (PASSWORD, "abc12", None, "new_password2", "密码太短,至少需要 8 个字符。"),
        (PASSWORD, "password123", None, "new_password2", "这个密码太常见了。"),
        (PASSWORD, NEW, NEW + "x", "new_password2", "两次输入的新密码不一致。"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    users: dict[str, Any], old: str, new1: str, new2: str | None, field: str, message: str
) -> None:
    response = _change(_client(), old, new1, new2)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-error-for="{field}">{message}' in page
    assert _password_is("agent", PASSWORD)


def test_a_change_keeps_this_session_and_the_new_password_signs_in_and_seats_the_agent(
    users: dict[str, Any],
) -> None:
    Agent.objects.create(user=users["agent"], staff_no="1001")
    client = _client()
    other_session = _client()
    response = _change(client, PASSWORD, NEW)
    assert response.status_code == 302 and response["Location"] == "/account/password/done/"
    assert "您的密码已修改" in client.get(response["Location"]).content.decode()
    assert _password_is("agent", NEW) and not _password_is("agent", PASSWORD)
    assert client.get("/calls/").status_code == 200  # still signed in here
    assert other_session.get("/calls/").status_code == 302  # elsewhere: sign in again
    assert Client().post("/login/", {"username": "agent", "password": PASSWORD}).status_code == 200  # refused
    fresh = get_user_model().objects.get(pk=users["agent"].pk)
    agent = agent_sign_in(user=fresh, staff_no="1001", extension="8001", password=NEW)
    assert agent.extension == "8001"


def test_wrong_old_passwords_count_as_failed_logins(settings: Any, users: dict[str, Any]) -> None:
    client = _client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _change(client, "wrong-password", NEW)
    locked = _change(client, PASSWORD, NEW)  # even the right one, while locked
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert _password_is("agent", PASSWORD)
