"""Every kind renders in Chinese, with what its reader needs and nothing they must not see."""

from __future__ import annotations

import pytest

from hotline.notify.templating import COMPLAINANT_KINDS, KIND_LABELS, STAFF_KINDS, render_message

CONTEXT = {
    "number": "JZ20260929000123",
    "query_code": "Q7K2M9",
    "subject": "电饭煲无法加热",
    "type_label": "投诉",
    "unit_name": "东湖区市场监管局",
    "due": "2026-10-09 17:30",
    "registered_at": "2026-09-29 09:00",
    "reason": "不属于本单位职责范围",
    "result": "已责令商家退款",
    "rate_url": "https://hotline.example/public/rate/JZ20260929000123/",
    "track_url": "https://hotline.example/public/track/",
    "comment": "请尽快处理",
    "from_unit_name": "东湖区市场监管局",
    "amount": 3,
    "amount_unit": "个工作日",
    "request_label": "延期申请",
    "round": 2,
}


def test_every_kind_has_templates() -> None:
    assert set(KIND_LABELS) == set(COMPLAINANT_KINDS) | set(STAFF_KINDS)


@pytest.mark.parametrize("kind", sorted(set(KIND_LABELS) - {"report_document"}))
def test_kind_renders_chinese_subject_and_body_with_the_number(kind: str) -> None:
    rendered = render_message(kind, CONTEXT)
    assert CONTEXT["number"] in rendered.subject
    assert CONTEXT["number"] in rendered.body
    assert "{{" not in rendered.body and "{%" not in rendered.body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in rendered.subject)


@pytest.mark.parametrize("kind", COMPLAINANT_KINDS)
def test_complainant_sms_is_short(kind: str) -> None:
    sms = render_message(kind, CONTEXT).sms
    assert CONTEXT["number"] in sms
    assert len(sms) <= 70 * 2  # at most two SMS segments


def test_receipt_carries_number_and_query_code() -> None:
    rendered = render_message("receipt", CONTEXT)
    assert "Q7K2M9" in rendered.body and "Q7K2M9" in rendered.sms


def test_rejection_gives_the_reason() -> None:
    assert "不属于本单位职责范围" in render_message("rejected", CONTEXT).body


def test_survey_link_points_at_the_portal_rating_page() -> None:
    rendered = render_message("survey_link", CONTEXT)
    assert "/public/rate/JZ20260929000123/" in rendered.body


def test_plain_text_is_not_html_escaped() -> None:
    rendered = render_message("result", {**CONTEXT, "result": "退款<100元> & 道歉"})
    assert "退款<100元> & 道歉" in rendered.body


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        render_message("nonsense", CONTEXT)


RECTIFICATION_KINDS = [k for k in STAFF_KINDS if k.startswith("rectification_")]
NOTICE_CONTEXT = {
    "number": "ZG2026-0001",
    "subject": "窗口服务态度问题整改",
    "unit_name": "东湖区市场监管局",
    "status_label": "待整改",
    "due": "2026-10-09 17:30",
    "notice_url": "https://hotline.example/rectifications/ZG2026-0001/",
}


def test_rectification_has_a_kind_for_every_step() -> None:
    assert sorted(RECTIFICATION_KINDS) == [
        "rectification_due_soon",
        "rectification_escalated",
        "rectification_issued",
        "rectification_overdue",
        "rectification_reported",
        "rectification_sent_back",
        "rectification_verified",
    ]
    assert all(KIND_LABELS[k].startswith("整改") for k in RECTIFICATION_KINDS)


@pytest.mark.parametrize("kind", RECTIFICATION_KINDS)
def test_rectification_kinds_speak_of_the_notice_with_its_link(kind: str) -> None:
    rendered = render_message(kind, NOTICE_CONTEXT)
    assert "ZG2026-0001" in rendered.subject
    assert "整改通知书:ZG2026-0001“窗口服务态度问题整改”" in rendered.body
    assert "整改单位:东湖区市场监管局" in rendered.body
    assert "当前状态:待整改(整改期限 2026-10-09 17:30)" in rendered.body
    assert "查看通知书:https://hotline.example/rectifications/ZG2026-0001/" in rendered.body
    assert "以上工单" not in rendered.body and "当前环节" not in rendered.body


def test_a_provisional_notice_deadline_says_so() -> None:
    rendered = render_message("rectification_due_soon", {**NOTICE_CONTEXT, "provisional": True})
    assert "当前状态:待整改(整改期限 2026-10-09 17:30,暂定)" in rendered.body


def test_a_statistics_document_message_names_it_and_links_both_files() -> None:
    from datetime import date
    from types import SimpleNamespace

    document = SimpleNamespace(
        title="江州市2026年10月客户投诉处理统计分析报告",
        unit=SimpleNamespace(name="江州市人民政府"),
        period="2026-10",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        version=1,
    )
    rendered = render_message(
        "report_document",
        {
            "document": document,
            "kind_label": "月度分析报告",
            "pdf_url": "https://h/x.pdf",
            "xlsx_url": "https://h/x.xlsx",
        },
    )
    assert rendered.subject == "统计文档:江州市2026年10月客户投诉处理统计分析报告"
    assert "2026-10-01 至 2026-10-31" in rendered.body
    assert "PDF:https://h/x.pdf" in rendered.body and "Excel:https://h/x.xlsx" in rendered.body
