"""Browser tests: Playwright drives Debian's chromium against a live Django server.

Every page is watched. A JavaScript error, a console error, a 5xx answer, a missing asset or a request
to any host other than the live server fails the test: outside requests are aborted before
they leave the machine and recorded. Set ``HOTLINE_SCREENSHOTS=docs/guide/img`` to save the
screenshots the user guide shows.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    Route,
    sync_playwright,
)

from hotline.demo.seed import DemoOrg, seed_org

PASSWORD = "pw-test-123"
# The pack whose workflow is the journey: register → dispatch → sign → assign → reply →
# return visit (dissatisfied) → redispatch (round 2) → … → close. It is also the demo's pack.
POLICY = "hotline-12345"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",  # native widgets (file and date inputs) in Chinese, as on a centre's desktops
    # Belt and braces: no host name but the loopback ones resolves, so nothing the browser
    # does by itself (outside any page's routes) can reach the network either.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1366, "height": 768}
LOCAL_SCHEMES = {"data", "blob", "about"}
# A page answering 4xx is often right (a refused action, a 404 page); a missing asset is not.
ASSET_TYPES = {"stylesheet", "script", "image", "font", "media"}
# Chromium logs every 4xx answer to the console; those are checked through the responses.
HTTP_4XX_LOG = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


@dataclass
class Watch:
    """What went wrong in the browser during one test."""

    allowed_netloc: str
    outside_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        local = parts.scheme in {"http", "https"} and parts.netloc == self.allowed_netloc
        if local or parts.scheme in LOCAL_SCHEMES:
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not HTTP_4XX_LOG.match(message.text):
            location = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({location})")

    def on_response(self, response: Response) -> None:
        request = response.request
        if response.status >= 500 or (response.status >= 400 and request.resource_type in ASSET_TYPES):
            self.bad_responses.append(f"{response.status} {request.method} {response.url}")

    def watch_page(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.page_errors.append(f"{exc.name}: {exc.message}"))
        page.on("console", self.on_console)
        page.on("response", self.on_response)

    def problems(self) -> list[str]:
        return (
            [f"request to another host (aborted): {u}" for u in self.outside_requests]
            + [f"JavaScript error: {e}" for e in self.page_errors]
            + [f"console error: {e}" for e in self.console_errors]
            + [f"bad response: {e}" for e in self.bad_responses]
        )

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the browser saw problems:\n" + "\n".join(problems)

    def reset(self) -> None:
        self.outside_requests.clear()
        self.page_errors.clear()
        self.console_errors.clear()
        self.bad_responses.clear()


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio loop running in this thread, so Django's
    # async-unsafe guard would refuse the ORM calls the tests make between browser steps.
    # Per module, not per session: while it runs, no later test in this worker process
    # could use asyncio.run or async_to_sync (the AMI and AGI tests do).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _rows_from_data_migrations(request: pytest.FixtureRequest) -> None:
    """A live-server test runs in a transactional database, which is emptied after each
    test — with it the rows data migrations wrote (the default scoring rule). Put them back,
    so no browser test depends on whether another ran before it on the same worker."""
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("live_server")
    from django.apps import apps

    importlib.import_module("hotline.assessment.migrations.0002_default_rule").create_default(apps, None)


@pytest.fixture
def server_url(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def watch(server_url: str) -> Watch:
    return Watch(allowed_netloc=urlsplit(server_url).netloc)


@pytest.fixture
def context(browser: Browser, watch: Watch, server_url: str) -> Iterator[BrowserContext]:
    """A fresh browser profile per test; every request passes the watch's route first."""
    ctx = browser.new_context(
        base_url=server_url,
        viewport=VIEWPORT,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="block",  # so that no request can bypass the route below
        accept_downloads=True,
    )
    ctx.set_default_timeout(15_000)
    ctx.route("**/*", watch.route)
    ctx.on("page", watch.watch_page)
    yield ctx
    ctx.close()
    watch.assert_clean()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def demo(live_server: Any) -> DemoOrg:
    """The demo organisation on the ``hotline-12345`` pack, users with the test password."""
    return seed_org(password=PASSWORD, policy=POLICY)


Shot = Callable[[Page, str], None]


@pytest.fixture
def shot() -> Shot:
    """``shot(page, "name.png")``: a full-page screenshot for the guide, when HOTLINE_SCREENSHOTS is set."""
    folder = os.environ.get("HOTLINE_SCREENSHOTS", "")

    def take(page: Page, name: str) -> None:
        if not folder:
            return
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(target / name), full_page=True, animations="disabled")

    return take


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would, and land on the home page.

    The page being left goes first: a request it still starts (an htmx partial loading on
    ``load``) would otherwise leave after the cookies are cleared, be sent to the login
    page, and set a CSRF cookie that no longer matches the login form's (403)."""
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
