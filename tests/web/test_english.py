"""The English catalogue: after the language switch the workbench speaks English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import register
from tests.helpers import act

CJK = re.compile(r"[\u4e00-\u9fff]")
# The workbench's own chrome in Chinese: brand, menu and the log-out button.
CHINESE_NAV = ("投诉举报受理处理平台", "受理登记", "工单列表", "监控看板", "退出")


@pytest.fixture(autouse=True)
def _default_language_after() -> Iterator[None]:
    """The middleware leaves English active in this thread; later template renders must not inherit it."""
    yield
    translation.deactivate()


def nav_of(html: str) -> str:
    """The workbench menu bar without the signed-in user's (Chinese) name."""
    nav = html[html.index('id="workbench-nav"') : html.index("</nav>")]
    return re.sub(r'<span[^>]*id="current-user">.*?</span>', "", nav, flags=re.S)


def heading(html: str) -> str:
    """The page's <h1>, tags stripped."""
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    assert match, "no <h1> on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def switch(client: Client, language: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def a_ticket(users: dict[str, Any]) -> str:
    ticket = register(users["agent"])
    act(ticket, "accept", users["agent"], comment="受理")
    return ticket.number


def test_coordinator_pages_switch_to_english_and_back(client: Client, users: dict[str, Any]) -> None:
    number = a_ticket(users)
    client.force_login(users["coordinator"])
    pages = {
        "/board/": "Monitoring board",
        "/work/": "Tickets",
        "/intake/": "Intake",
        f"/tickets/{number}/": f"Ticket {number}",
    }

    chinese = page(client, "/board/")  # the default is Chinese
    assert '<html lang="zh-CN">' in chinese and "监控看板" in nav_of(chinese)
    assert "Monitoring board" not in chinese

    switch(client, "en")
    for url, title in pages.items():
        html = page(client, url)
        assert '<html lang="en">' in html, url
        assert heading(html) == title, url
        nav = nav_of(html)
        for label in ("Complaint and Report Handling Platform", "Intake", "Tickets", "Monitoring board"):
            assert f">{label}<" in nav, (url, label)
        assert "Messages" in nav and "Log out" in nav, url
        assert not CJK.search(nav), (url, CJK.findall(nav))
        for label in CHINESE_NAV:
            assert label not in html, (url, label)

    ticket = page(client, f"/tickets/{number}/")
    for text in ("Complainant", "History", "Messages sent", "Available actions", "Attachments"):
        assert f'<h2 class="h6">{text}' in ticket or f'<h2 class="h6 mt-2">{text}' in ticket, text
    intake = page(client, "/intake/")
    assert (
        "Register" in intake and "Answer and close on the spot" in intake and "Caller&#x27;s number" in intake
    )

    switch(client, "zh-hans")
    html = page(client, "/board/")
    assert heading(html) == "监控看板" and "受理登记" in nav_of(html) and "Intake" not in html


def test_agent_sees_english_intake_worklist_and_ticket(client: Client, users: dict[str, Any]) -> None:
    number = a_ticket(users)
    client.force_login(users["agent"])
    switch(client, "en")
    for url, title in (
        ("/intake/", "Intake"),
        ("/work/", "Tickets"),
        (f"/tickets/{number}/", f"Ticket {number}"),
    ):
        html = page(client, url)
        assert heading(html) == title, url
        nav = nav_of(html)
        assert ">Intake<" in nav and ">Tickets<" in nav and "Log out" in nav, url
        assert "Monitoring board" not in nav  # the board is the centre's page, not the agent's
        assert not CJK.search(nav), (url, CJK.findall(nav))
        for label in CHINESE_NAV:
            assert label not in html, (url, label)
