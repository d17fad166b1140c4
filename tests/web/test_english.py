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
    assert "Answer and close on the spot" in intake and "Caller&#x27;s number" in intake

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


def timeline_labels(html: str) -> dict[str, str]:
    """Each history line's action label (the text after the actor), keyed by its event code."""
    rows = re.findall(r'<li [^>]*data-event="([a-z_]+)">(.*?)</li>', html, flags=re.S)
    labels = {}
    for action, body in rows:
        match = re.search(r"</strong>\s*([^<(]+?)\s*(?:<|\()", body)
        assert match, body
        labels[action] = match.group(1)
    return labels


def test_ticket_page_labels_in_english(client: Client, users: dict[str, Any]) -> None:
    ticket = register(users["agent"], severity="urgent", channel="phone")
    act(ticket, "accept", users["agent"], comment="受理")
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    client.force_login(users["coordinator"])

    chinese = page(client, f"/tickets/{ticket.number}/")  # the default stays Chinese
    assert '<dd class="col-sm-4">电话</dd>' in chinese and '<dd class="col-sm-4">紧急</dd>' in chinese
    assert 'id="ticket-status-badge" data-status="open" title="办理中"' in chinese
    assert timeline_labels(chinese) == {"register": "登记", "accept": "受理", "dispatch": "派单"}

    switch(client, "en")
    html = page(client, f"/tickets/{ticket.number}/")
    fields = html[html.index('id="ticket-fields"') : html.index("</dl>", html.index('id="ticket-fields"'))]
    for label in ("Complaint", "Phone", "Urgent"):
        assert f'<dd class="col-sm-4">{label}</dd>' in fields, label
    assert 'id="ticket-status-badge" data-status="open" title="In progress"' in html
    assert timeline_labels(html) == {"register": "Register", "accept": "Accept", "dispatch": "Dispatch"}
    timeline = html[html.index('id="timeline"') : html.index("</ol>", html.index('id="timeline"'))]
    assert "round 1" in timeline and "to " in timeline  # the dispatch summary
    assert ">受理</div>" in timeline  # the stored comment stays as written
    identity = html[html.index('id="identity"') : html.index("</dl>", html.index('id="identity"'))]
    assert re.findall(r'<dt class="col-sm-2">([^<]*)</dt>', identity)[:5] == [
        "Name",
        "Phone",
        "Email",
        "ID number",
        "Address",
    ]
    buttons = re.findall(r'data-action="([a-z_]+)">([^<]+)</button>', html)
    assert buttons and not any(CJK.search(label) for _, label in buttons), buttons


def test_intake_form_errors_in_english(client: Client, users: dict[str, Any]) -> None:
    client.force_login(users["agent"])
    switch(client, "en")
    data = {
        "complainant.phone": "call me",
        "type": "complaint",
        "severity": "normal",
        "subject": "",
        "description": "",
        "channel": "phone",
        "unit": "JZ-C",
    }
    response = client.post("/intake/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="subject">Please enter a subject' in html
    assert 'data-error-for="description">Please enter the description' in html
    assert 'data-error-for="complainant.phone">' in html  # the phone rules' own words (hotline.core.phones)
    # the choices of the form are English too
    assert (
        '<option value="urgent">Urgent</option>' in html and '<option value="letter">Letter</option>' in html
    )
    assert "请填写标题" not in html and "请填写诉求内容" not in html

    data.update(subject="电饭煲不加热", description="买了一周就坏了", **{"complainant.phone": "13700001234"})
    spot = client.post("/intake/", {**data, "type": "consultation", "result": "", "on_the_spot": "1"})
    assert spot.status_code == 400
    assert 'data-error-for="result">Please enter the answer given on the spot' in spot.content.decode()


def test_worklist_filters_and_approvals_in_english(client: Client, users: dict[str, Any]) -> None:
    a_ticket(users)
    client.force_login(users["coordinator"])
    assert '<option value="urgent">紧急</option>' in page(client, "/work/")
    switch(client, "en")
    work = page(client, "/work/")
    for value, label in (("", "All"), ("urgent", "Urgent"), ("major", "Major"), ("normal", "Normal")):
        assert f'<option value="{value}">{label}</option>' in work or (
            f'<option value="{value}" selected>{label}</option>' in work
        ), label
    assert '<option value="praise">Praise</option>' in work and "紧急" not in work
    approvals = page(client, "/approvals/")
    titles = re.findall(r'<h2 class="h6">([^<]+?) <span', approvals)
    assert titles and not any(CJK.search(t) for t in titles), titles
