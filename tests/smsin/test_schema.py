"""The endpoint in the OpenAPI schema, and a bounded schemathesis run against it (signed):
no generated push gets a server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from hotline.wsgi import application
from tests.smsin.conftest import url_sig


def test_the_schema_describes_the_push(users, api):
    schema = api(users["agent"]).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/sms/inbound/aliyun/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    name = body["items"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][name]["properties"]
    assert {"phone_number", "content", "send_time", "sign_name", "dest_code", "sequence_id"} <= set(fields)
    assert {p["name"] for p in operation["parameters"]} == {"sig", "X-Hotline-Signature"}
    assert {"200", "400", "403", "404"} <= set(operation["responses"])
    assert "/api/v1/sms/inbound/aliyun" not in schema["paths"]  # the slashless twin is described once


with override_settings(HOTLINE_API_DOCS_PUBLIC=True):
    sms_schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
        operation_id="sms_inbound_aliyun"
    )


@pytest.fixture
def _keep_test_connection() -> Any:
    """As in tests/api/test_schema_fuzz: the WSGI app must not close the test connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@sms_schema.parametrize()
@hypothesis_settings(
    max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_no_generated_push_gets_a_server_error(case, org, _keep_test_connection):
    case.query = {"sig": url_sig()}
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "x-hotline-signature"}
    response = case.call_and_validate(checks=[not_a_server_error])
    assert response.status_code in (200, 400, 405), response.text  # 405: the methods schemathesis tries
