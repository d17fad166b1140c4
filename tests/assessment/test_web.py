"""The workbench pages: the ranking with its period picker, a unit's card, the workbook."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_ranking_page_card_and_drill(org, november, client):
    client.force_login(org.users["coordinator"])
    page = client.get("/assessment/?kind=units&parent=JZ-DH&period=2026-11")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index('data-code="JZ-DH-CG"') < html.index('data-code="JZ-DH-SJ"')
    assert 'id="assessment-period-label">2026年11月<' in html
    assert "<script>" not in html  # CSP: no inline script of ours
    card = client.get("/assessment/units/JZ-DH-SJ/?period=2026-11")
    text = card.content.decode()
    assert card.status_code == 200 and 'id="card-rates"' in text and "不满意" in text and "2 / 2" in text
    assert client.get("/assessment/units/NOPE/?period=2026-11").status_code == 404


def test_handler_page_and_refusals(org, november, client):
    client.force_login(org.users["handler"])
    page = client.get("/assessment/")
    assert page.status_code == 200 and 'data-code="handler"' in page.content.decode()
    assert client.get("/assessment/handlers/handler/?period=2026-11").status_code == 200
    assert client.get("/assessment/handlers/handler3/?period=2026-11").status_code == 404
    client.force_login(org.users["agent"])
    assert client.get("/assessment/").status_code == 403


def test_the_workbook_has_the_ranking(org, november, client):
    client.force_login(org.users["coordinator"])
    response = client.get("/assessment/ranking.xlsx?kind=units&parent=JZ-DH&period=2026-11")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2026年11月" in rows[0][0]
    assert rows[1][:4] == ("名次", "单位", "上级单位", "得分")
    api = client.get("/api/v1/assessment/units/?period=2026-11&parent=JZ-DH").json()
    assert [(r[0], r[1], r[3]) for r in rows[2:]] == [
        (c["rank"], c["name"], c["score"]) for c in api["cards"]
    ]
    header = rows[1]
    sj = rows[3]
    assert sj[header.index("不满意(次数)")] == 1 and sj[header.index("不满意扣分")] == 2
