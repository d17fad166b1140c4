"""The public, in a real browser: an anonymous report with an attachment, then a progress lookup."""

from __future__ import annotations

import re
import struct
import time
import zlib

import pytest
from playwright.sync_api import Page, expect

from hotline.demo.seed import DemoOrg
from hotline.tickets.models import Ticket
from hotline.workflow.services import ticket_transition
from tests.browser.conftest import Shot

pytestmark = pytest.mark.browser

INTERNAL_NOTE = "内部意见:请核实举报人所述的仓库地址"


def tiny_png() -> bytes:
    """A valid 1×1 PNG, so the upload is a real image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_anonymous_report_then_progress_lookup(page: Page, demo: DemoOrg, shot: Shot) -> None:
    # Given the public home page
    page.goto("/public/")
    expect(page.locator("#home-submit")).to_be_visible()
    shot(page, "portal-home.png")

    # When a citizen files an anonymous report with a photo
    page.locator("#home-submit").click()
    expect(page).to_have_url(re.compile(r"/public/submit/"))
    form_shown_at = time.monotonic()
    page.locator("input[name=type][value=report]").check()
    expect(page.locator("#report-confidential")).to_be_visible()
    page.locator("#id_anonymous").check()
    expect(page.locator("#identity-fields")).to_be_hidden()  # anonymous: no identity asked
    page.locator("#id_subject").fill("某仓库夜间违规储存烟花爆竹")
    page.locator("#id_description").fill("东湖区建设路88号仓库夜间有货车卸下大量烟花爆竹,周边是居民楼。")
    page.locator("#id_demand").fill("请尽快查处,消除安全隐患")
    page.locator("#id_region").fill("江州市东湖区")
    page.locator("#id_respondent_name").fill("建设路88号仓库")
    page.locator("input[name=attachments]").set_input_files(
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    shot(page, "portal-submit.png")
    # the form refuses posts faster than a person can type (anti-abuse); a person needs longer
    page.wait_for_timeout(max(0, 3.3 - (time.monotonic() - form_shown_at)) * 1000)
    page.locator("#submit-button").click()

    # Then the number and query code are shown once, with the warning for anonymous reporters
    expect(page).to_have_url(re.compile(r"/public/submitted/"))
    number = page.locator("#receipt-number").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"\d{14}", number), number
    assert re.fullmatch(r"\d{6}", code), code
    expect(page.locator("#anonymous-warning")).to_be_visible()
    shot(page, "portal-submitted.png")

    ticket = Ticket.objects.get(number=number)
    assert ticket.type == "report" and ticket.channel == "web"
    assert ticket.anonymous and ticket.confidential
    assert [a.name for a in ticket.attachments.all()] == ["现场照片.png"]

    # the page is shown once: reloading it no longer shows the code
    page.reload()
    expect(page.locator("#submitted-expired")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(code)

    # And when staff act on it with an internal note
    ticket_transition(
        ticket=ticket,
        action="dispatch",
        actor=demo.users["coordinator"],
        params={"unit": "JZ-DH-SJ", "comment": INTERNAL_NOTE},
        expected_version=ticket.version,
    )

    # a wrong code gives one generic message
    page.goto(f"/public/track/?number={number}")
    expect(page.locator("#id_number")).to_have_value(number)
    page.locator("#id_code").fill("000000" if code != "000000" else "111111")
    page.locator("#track-button").click()
    expect(page.locator("#track-error")).to_be_visible()
    expect(page.locator("#progress")).to_have_count(0)

    # Then number + code show the progress, and nothing of the staff's or anyone's identity
    page.locator("#id_code").fill(code)
    page.locator("#id_code").press("Enter")
    expect(page.locator("#progress")).to_be_visible()
    expect(page.locator("#progress-stage")).to_have_text("办理中")
    progress = page.locator("#progress").inner_text()
    assert number in progress
    for hidden in (INTERNAL_NOTE, demo.users["coordinator"].first_name, "coordinator", "JZ-DH-SJ"):
        assert hidden not in page.content(), f"the public page shows {hidden!r}"


def test_english_switch(page: Page, demo: DemoOrg) -> None:
    # Given the portal home in Chinese
    page.goto("/public/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#nav-submit")).to_have_text("我要提交")

    # When the visitor picks English in the footer
    page.locator("#language-switch button[value=en]").click()

    # Then the same page comes back in English, and the choice sticks on the next page
    expect(page).to_have_url(re.compile(r"/public/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#nav-submit")).not_to_have_text("我要提交")
    page.locator("#nav-track").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#track-button")).not_to_have_text("查询")

    # and back to Chinese
    page.locator("#language-switch button[value=zh-hans]").click()
    expect(page.locator("#track-button")).to_have_text("查询")
