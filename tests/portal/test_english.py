"""The language switch: after choosing English, the portal speaks English."""

from __future__ import annotations

import re

import pytest

CJK = re.compile(r"[\u4e00-\u9fff]")


def main_text(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    assert response.status_code == 302
    return client


def test_home_page_in_english(org, english):
    response = english.get("/public/")
    assert '<html lang="en">' in response.content.decode()
    text = main_text(response)
    assert "Complaints, reports, questions and suggestions, online" in text
    assert not CJK.findall(text), CJK.findall(text)


def test_submit_page_in_english(org, english):
    text = main_text(english.get("/public/submit/"))
    for words in ("Subject", "Report anonymously", "Attachments", "Complaint", "Suggestion"):
        assert words in text, words
    assert not CJK.findall(text), CJK.findall(text)


def test_errors_in_english(org, english):
    from tests.portal.conftest import submit

    text = main_text(submit(english, type="complaint", anonymous="on"))
    assert "Only reports can be submitted anonymously" in text


def test_chinese_is_the_default(org, client):
    response = client.get("/public/")
    assert '<html lang="zh-CN">' in response.content.decode()
    assert "投诉、举报、咨询、建议,在线提交" in main_text(response)
