"""The floor in a real browser (issue 13, Done-when): a team leader forces an agent busy on
the 班长席, and within one second the agent's open workbench and the open wallboard both
show it — each pushed by its own server-sent event stream, nothing polled by the pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hotline.telephony.models import Agent, SupervisorAction
from hotline.web.views import floor as floor_views
from hotline.web.views import phone
from tests.browser.conftest import PASSWORD, VIEWPORT, Watch, login

WITHIN_MS = 1000
EXTENSION = "8001"


@pytest.fixture
def streams(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No PBX (a forced state is ours to change and show); streams that end sooner than in
    production, so no server thread outlives the test."""
    settings.HOTLINE_AMI_HOST = ""
    monkeypatch.setattr(phone, "STREAM_SECONDS", 8.0)
    monkeypatch.setattr(floor_views, "STREAM_SECONDS", 8.0)
    yield
    deadline = time.monotonic() + 12
    while (phone.open_streams() or floor_views.open_streams()) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def leader_context(browser: Browser, watch: Watch, server_url: str) -> Iterator[BrowserContext]:
    """The team leader's own browser (the ``context`` fixture is the agent's), watched alike."""
    ctx = browser.new_context(
        base_url=server_url,
        viewport=VIEWPORT,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="block",
    )
    ctx.set_default_timeout(15_000)
    ctx.route("**/*", watch.route)
    ctx.on("page", watch.watch_page)
    yield ctx
    ctx.close()


def wait_for(check: Any, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.browser
def test_force_busy_shows_on_the_agents_screen_and_the_wallboard_within_a_second(
    page: Page, leader_context: BrowserContext, demo: Any, streams: None
) -> None:
    row = Agent.objects.create(user=demo.users["agent"], staff_no="1001")
    # the agent signs in at the workbench: the state bar and its event stream
    login(page, "agent")
    page.goto("/agent/")
    page.locator("#id_staff_no").fill("1001")
    page.locator("#id_extension").fill(EXTENSION)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page.locator("#agent-state-label")).to_have_text("空闲")
    wait_for(lambda: phone.open_streams() >= 1, "the agent's event stream")

    # the team leader has the panel and the wallboard open, each with its stream
    panel = leader_context.new_page()
    login(panel, "teamlead")
    panel.goto("/floor/")
    expect(panel.locator(f"#floor-agent-{row.pk}")).to_have_attribute("data-state", "ready")
    board = leader_context.new_page()
    board.goto("/floor/wallboard/")
    tile = board.locator(f"#wb-agent-{row.pk}")
    expect(tile).to_have_attribute("data-state", "ready")
    wait_for(lambda: floor_views.open_streams() >= 2, "the panel's and the wallboard's streams")
    expect(board.locator("#floor-live")).to_have_text("实时")

    panel.locator(f"#floor-busy-{row.pk}").click()
    wait_for(SupervisorAction.objects.exists, "the action")
    acted = SupervisorAction.objects.get().at.timestamp()  # the server's clock, as this test's

    def left() -> float:
        return max(1.0, WITHIN_MS - (time.time() - acted) * 1000)

    # checked every 20 ms (expect's own retries back off to a second apart; animation frames,
    # Playwright's default, are not run for a page that is not in front: the wallboard)
    page.wait_for_function(
        """() => {
            const label = document.getElementById("agent-state-label");
            const notice = document.getElementById("supervisor-notice");
            return label && label.textContent.trim() === "小休"
                && notice && !notice.hidden && notice.textContent.includes("班长已将您置为示忙");
        }""",
        timeout=left(),
        polling=20,
    )
    board.wait_for_function(
        f"""() => {{
            const tile = document.getElementById("wb-agent-{row.pk}");
            return tile && tile.dataset.state === "break" && tile.textContent.includes("小休");
        }}""",
        timeout=left(),
        polling=20,
    )
    took = (time.time() - acted) * 1000
    assert took < WITHIN_MS, f"the agent's screen and the wallboard took {took:.0f} ms"
    expect(page.locator("#supervisor-notice")).to_contain_text("班长已将您置为示忙")

    # the panel says it was done, and its row follows
    expect(panel.locator("#floor-result-message")).to_contain_text("已执行“强制示忙”")
    expect(panel.locator(f"#floor-agent-{row.pk}")).to_have_attribute("data-state", "break")
    expect(panel.locator(f"#floor-ready-{row.pk}")).to_be_visible()
    expect(board.locator("#wb-state-break .wb-value")).to_have_text("1")
    for open_page in (page, panel, board):
        open_page.goto("about:blank")  # the streams close with the pages
