"""Every write endpoint refuses fields it does not define (400 ``unknown_field``), nested ones too."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from hotline.tickets.models import Attachment, Ticket
from tests.conftest import PASSWORD
from tests.factories import register
from tests.helpers import snapshot

NEW = {
    "type": "complaint",
    "channel": "phone",
    "policy": "enterprise",
    "subject": "超市标价与结算价格不一致",
    "description": "货架标价59.9元,结账按69.9元收取。",
    "complainant": {"name": "张三", "phone": "13812345678"},
    "respondent": {"name": "某连锁超市"},
}
PUBLIC = {"type": "report", "subject": "举报餐馆使用过期食材", "description": "后厨存放大量过期食材。"}


def _unknown(response: Any, *fields: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "unknown_field"
    assert body["fields"] == list(fields)
    for field in fields:
        assert field in body["detail"]
    return body


def test_ticket_create_names_every_unknown_field_at_every_level(users, api):
    earlier = register(users["agent"], policy="enterprise")
    body = {
        **NEW,
        "nickname": "老张",
        "complainant": {**NEW["complainant"], "wechat": "zs01"},
        "respondent": {"name": "某连锁超市", "boss": "王五"},
        "links": [{"kind": "repeat_of", "number": earlier.number, "note": "同一超市"}],
    }
    response = api(users["agent"]).post("/api/v1/tickets/", body, format="json")
    _unknown(response, "nickname", "complainant.wechat", "respondent.boss", "links[0].note")
    assert Ticket.objects.count() == 1  # only the earlier one


def test_a_misspelt_action_field_changes_nothing(users, api):
    ticket = register(users["agent"], policy="enterprise")
    before = snapshot(ticket)
    response = api(users["coordinator"]).post(
        f"/api/v1/tickets/{ticket.number}/actions/", {"action": "accept", "commnet": "已核实"}, format="json"
    )
    _unknown(response, "commnet")
    assert snapshot(ticket) == before


def test_the_public_submission_refuses_unknown_and_staff_only_fields(db, org):
    client = APIClient()
    response = client.post(
        "/api/v1/public/submissions/",
        {**PUBLIC, "priority": "high", "complainant": {"anonymous": True, "customer_class": "VIP"}},
        format="json",
    )
    _unknown(response, "priority", "complainant.customer_class")
    assert Ticket.objects.count() == 0


def test_the_token_endpoint_refuses_unknown_fields(users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "agent", "password": PASSWORD, "remember": True}, format="json"
    )
    _unknown(response, "remember")
    assert "token" not in response.json()


def test_the_deadline_calculator_refuses_unknown_fields(users, api):
    response = api(users["agent"]).post(
        "/api/v1/calendar/deadline/",
        {"start": "2026-11-02T09:00:00+08:00", "amount": 3, "unit": "working_days", "timezone": "UTC"},
        format="json",
    )
    _unknown(response, "timezone")


def test_an_attachment_upload_refuses_unknown_fields(users, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = register(users["agent"])
    response = api(users["agent"]).post(
        f"/api/v1/tickets/{ticket.number}/attachments/",
        {"file": SimpleUploadedFile("发票.pdf", b"%PDF-1.4 test"), "caption": "发票"},
        format="multipart",
    )
    _unknown(response, "caption")
    assert Attachment.objects.count() == 0


def test_an_attachment_upload_without_a_file_keeps_its_code(users, api):
    ticket = register(users["agent"])
    response = api(users["agent"]).post(
        f"/api/v1/tickets/{ticket.number}/attachments/", {}, format="multipart"
    )
    assert (response.status_code, response.json()["code"]) == (400, "file_required")


def test_form_encoded_bodies_are_checked_too(users, api):
    flat = {k: v for k, v in NEW.items() if isinstance(v, str)}
    response = api(users["agent"]).post(
        "/api/v1/tickets/",
        {**flat, "complainant.name": "张三", "complainant.wechat": "zs01", "extra": "1"},
        format="multipart",
    )
    _unknown(response, "extra", "complainant.wechat")


def test_unknown_fields_are_reported_before_other_errors(users, api):
    response = api(users["agent"]).post("/api/v1/tickets/", {"subjet": "拼错了"}, format="json")
    body = _unknown(response, "subjet")
    assert set(body["errors"]) == {"subjet"}


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _objects(schema: dict[str, Any], node: dict[str, Any], seen: set[int]) -> list[dict[str, Any]]:
    """Every object schema reachable from a request body."""
    node = _resolve(schema, node)
    if id(node) in seen:
        return []
    seen.add(id(node))
    found = [node] if node.get("type") == "object" or "properties" in node else []
    for child in node.get("properties", {}).values():
        found += _objects(schema, child, seen)
    for key in ("items", "allOf", "oneOf", "anyOf"):
        value = node.get(key)
        for child in value if isinstance(value, list) else [value] if value else []:
            found += _objects(schema, child, seen)
    return found


def test_the_schema_says_every_request_body_refuses_other_fields(users, api):
    schema = api(users["agent"]).get("/api/schema/", {"format": "json"}).json()
    bodies = 0
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/cti/"):
            continue  # a PBX's events: fields it adds are kept, never refused (Zammad-compatible)
        if path.startswith("/api/v1/sms/inbound/"):
            continue  # the SMS provider's push: fields it adds are ignored, never refused (Aliyun's format)
        for method, operation in operations.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                bodies += 1
                objects = _objects(schema, content["schema"], set())
                assert objects, (path, method, media)
                for obj in objects:
                    extra = obj.get("additionalProperties")
                    if isinstance(extra, dict) and extra.get("type") in ("boolean", "string"):
                        continue  # a map (question → yes/no, questionnaire key → answer): its keys are data
                    assert obj.get("additionalProperties") is False, (path, method, media, obj)
    assert bodies >= 6 * 3 - 2  # six write endpoints, json/form/multipart (attachments: multipart only)


@pytest.mark.parametrize("body", [[], "text", 3])
def test_a_body_that_is_not_an_object_is_an_ordinary_400(users, api, body):
    response = api(users["agent"]).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
