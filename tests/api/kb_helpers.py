"""Knowledge-base API test data: the interconnection script of ``004_…txt`` and articles,
built through the models and the knowledge services."""

from __future__ import annotations

from typing import Any

from hotline.knowledge import services
from hotline.knowledge.models import Article, Script
from hotline.tickets.models import Category

CLOSE_WORDING = "您好,经核实您反映的是异网互联互通问题,我们已向相关运营商反映,请您稍后再试。"
DISPATCH_WORDING = "您好,您的问题已记录,我们将在2个工作日内答复您。"


def interconnection_script(*, unit: str = "JZ-DH-SJ", **extra: Any) -> Script:
    """Questions 1 (expected yes), 2 (no), 3 (no); all of 1–3 hold → close "互联互通问题",
    otherwise dispatch to ``unit`` with a reply promised within 2 working days."""
    fields: dict[str, Any] = {
        "code": "interconnect",
        "title": "异网电话无法接通",
        "symptom": "拨打异网电话无法接通,本网通话正常",
        "typical_case": "用户拨打某异网号码提示无法接通",
        "front_desk": "是",
        "category": Category.objects.get(code="service.quality"),
        "keywords": ["异网", "打不通"],
        "questions": [
            {"key": "1", "text": "被叫方是否属异网电话", "expected": True},
            {"key": "2", "text": "是否所有异网号码都无法接通", "expected": False},
            {"key": "3", "text": "本网通话是否也有问题", "expected": False},
        ],
        "outcomes": [
            {
                "when": {"all": ["1", "2", "3"]},
                "outcome": "close",
                "label": "互联互通问题",
                "wording": CLOSE_WORDING,
            },
            {
                "outcome": "dispatch",
                "label": "网络故障待查",
                "wording": DISPATCH_WORDING,
                "unit": unit,
                "promised": {"amount": 2, "unit": "working_days"},
                "notes": [{"situation": "用户催促", "text": "请您耐心等待,我们会尽快答复。"}],
            },
        ],
        "faq": [{"q": "为什么打不通?", "a": "可能是运营商之间的互联互通问题。"}],
    }
    fields.update(extra)
    return Script.objects.create(**fields)


def article(actor: Any, *, title: str = "退货政策", body: str = "七日内无理由退货。", **data: Any) -> Article:
    """A draft article written by ``actor`` through the service."""
    return services.article_create(
        actor=actor, data=services.article_input({"title": title, "body": body, **data})
    )


def published(actor: Any, publisher: Any, **data: Any) -> Article:
    made = article(actor, **data)
    return services.article_move(actor=publisher, article=made, action="publish")
