from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD


def test_token_login_then_token_auth(users):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "agent", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/tickets/").status_code == 200


def test_wrong_password_is_a_problem_document_not_a_token(users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "agent", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert "token" not in body


def test_anonymous_gets_401_problem(db):
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code"}
    assert body["code"] == "not_authenticated"


def test_validation_errors_name_the_field_in_chinese(users, api):
    response = api(users["agent"]).post("/api/v1/tickets/", {"type": "complaint"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["title"] == "输入有误"
    assert "subject" in body["errors"]


def test_malformed_json_is_400(users, api):
    response = api(users["agent"]).post("/api/v1/tickets/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_unknown_api_path_is_a_problem_404(db):
    response = APIClient().get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_served(db, path, users, api):
    assert api(users["agent"]).get(path).status_code == 200


def test_api_docs_load_nothing_from_outside(users, api):
    import re

    page = api(users["agent"]).get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources
