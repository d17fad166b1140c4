"""The Content-Security-Policy in a real browser: it blocks injected code, and our pages, the
Swagger UI, the browsable API, the admin and the board's chart run under it with no
violation (a violation is a console error, which fails the page). The headers themselves are
tested in tests/security/test_headers.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Watch, login
from tests.conftest import PASSWORD
from tests.factories import register

# --- in the browser: the policy holds, and our pages, the docs and the admin run under it -----


@pytest.mark.browser
def test_the_browser_enforces_the_policy(page: Page, watch: Watch) -> None:
    messages: list[ConsoleMessage] = []
    page.on("console", lambda message: messages.append(message))
    page.goto("/login/")
    ran = page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.__injected = true";
            document.body.appendChild(s);
            document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: red">x</p>');
            return window.__injected === true;
        }"""
    )
    assert ran is False
    expect(page.locator("#styled")).not_to_have_css("color", "rgb(255, 0, 0)")
    violations = [m.text for m in messages if "Content Security Policy" in m.text]
    assert len(violations) >= 2, [m.text for m in messages]
    watch.reset()


@pytest.mark.browser
def test_swagger_ui_and_the_admin_run_under_the_policy(page: Page, watch: Watch, demo: Any) -> None:
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for path in ["/admin/auth/user/", "/admin/auth/user/add/", "/admin/org/unit/", "/admin/tickets/ticket/"]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        page.wait_for_load_state("networkidle")
    page.goto(f"/admin/auth/user/{demo.users['agent'].pk}/change/")
    expect(page.locator("#user_form")).to_be_visible()
    page.wait_for_load_state("networkidle")
    ticket = register(demo.users["agent"])
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    expect(page.locator("#content")).to_contain_text(ticket.number)
    page.wait_for_load_state("networkidle")

    page.goto("/api/v1/tickets/")  # the browsable API: its menus work, nothing inline
    page.locator("[data-target='#filtersModal']").click()
    expect(page.locator("#filtersModal")).to_be_visible()
    page.keyboard.press("Escape")
    page.wait_for_load_state("networkidle")

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hotline API")
    operation = page.locator(".opblock").first
    operation.locator(".opblock-summary").click()
    expect(operation.locator(".opblock-body")).to_be_visible()
    page.wait_for_load_state("networkidle")
    watch.assert_clean()


@pytest.mark.browser
def test_the_board_chart_and_its_tooltip_run_under_the_policy(page: Page, watch: Watch, demo: Any) -> None:
    register(demo.users["agent"], subject="空调不制冷")
    login(page, "coordinator")
    page.goto("/board/")
    chart = page.locator("#stage-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    page.wait_for_load_state("networkidle")
    watch.assert_clean()
