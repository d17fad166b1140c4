"""The watch itself: clean pages pass, and each kind of problem is caught."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Watch

pytestmark = pytest.mark.browser


def test_admin_login_page_is_clean(page: Page, watch: Watch) -> None:
    page.goto("/admin/login/")
    expect(page.locator("input[name=username]")).to_be_visible()
    page.wait_for_load_state("networkidle")
    watch.assert_clean()


def test_swagger_ui_is_served_locally(page: Page, watch: Watch, demo: object) -> None:
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    watch.assert_clean()


def test_request_to_another_host_is_aborted_and_recorded(page: Page, watch: Watch) -> None:
    page.goto("about:blank")  # not one of our pages: their CSP would stop the request itself
    page.set_content('<html><body><script src="https://cdn.example.com/x.js"></script>ok</body></html>')
    assert watch.outside_requests == ["https://cdn.example.com/x.js"]
    with pytest.raises(AssertionError, match="request to another host"):
        watch.assert_clean()
    watch.reset()


def test_javascript_error_is_caught(page: Page, watch: Watch) -> None:
    page.goto("/admin/login/")
    page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
    page.wait_for_timeout(200)
    assert any("boom" in e for e in watch.page_errors)
    with pytest.raises(AssertionError, match="JavaScript error"):
        watch.assert_clean()
    watch.reset()


def test_console_error_is_caught(page: Page, watch: Watch) -> None:
    page.goto("/admin/login/")
    page.evaluate("console.error('something broke')")
    assert any("something broke" in e for e in watch.console_errors)
    with pytest.raises(AssertionError, match="console error"):
        watch.assert_clean()
    watch.reset()


def test_missing_asset_is_caught(page: Page, watch: Watch, server_url: str) -> None:
    page.goto("/admin/login/")
    with page.expect_response(re.compile(r"/static/missing\.css$")):
        page.set_content(f'<link rel="stylesheet" href="{server_url}/static/missing.css">')
    assert watch.bad_responses == [f"404 GET {server_url}/static/missing.css"]
    with pytest.raises(AssertionError, match="bad response"):
        watch.assert_clean()
    watch.reset()
