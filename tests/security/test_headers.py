"""Issue 16, defect 12: transport and headers.

A Content-Security-Policy without ``'unsafe-inline'`` or ``'unsafe-eval'`` on every response,
and no page that needs either (no inline script, ``<style>``, ``style=`` or ``on…=``); Secure
cookies, HSTS and the SSL redirect from environment variables, the redirect working behind
a proxy; ``hotline check --deploy`` clean on the documented production settings; the OpenAPI
schema and its docs page behind a login unless ``HOTLINE_API_DOCS_PUBLIC`` opens them.

The browser half (a CSP violation is a console error there) is tests/browser/test_csp.py
there, so the Swagger UI, the admin and the board's chart are shown to run under the policy.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hotline.core.headers import ContentSecurityPolicyMiddleware, build_policy
from tests.conftest import PASSWORD
from tests.factories import register

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# The production environment that docs/guide/deploy.md documents (one nginx in front).
PRODUCTION_ENV = {
    "HOTLINE_ALLOWED_HOSTS": "hotline.example.gov.cn",
    "HOTLINE_CSRF_TRUSTED_ORIGINS": "https://hotline.example.gov.cn",
    "HOTLINE_NUM_PROXIES": "1",
    "HOTLINE_SECURE_COOKIES": "1",
    "HOTLINE_SSL_REDIRECT": "1",
    "HOTLINE_HSTS_SECONDS": "31536000",
    "HOTLINE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "HOTLINE_HSTS_PRELOAD": "1",
}
# The same, as the settings it becomes (for call_command in this process).
PRODUCTION_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["hotline.example.gov.cn"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}
# ... and served to the test client's host
SERVED = {**PRODUCTION_SETTINGS, "ALLOWED_HOSTS": ["testserver"]}


# --- the policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/login/", "/public/", "/admin/login/", "/api/v1/tickets/", "/healthz", "/no-such-page/"],
)
def test_every_response_carries_the_policy(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response["Content-Security-Policy"] == POLICY
    assert "unsafe-inline" not in POLICY and "unsafe-eval" not in POLICY


def test_the_other_security_headers(db: Any) -> None:
    response = Client().get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_policy_comes_from_the_setting(db: Any) -> None:
    with override_settings(SECURE_CSP={"default-src": ["'none'"], "upgrade-insecure-requests": True}):
        assert (
            Client().get("/login/")["Content-Security-Policy"]
            == "default-src 'none'; upgrade-insecure-requests"
        )
    with override_settings(SECURE_CSP={}):
        assert "Content-Security-Policy" not in Client().get("/login/")


def test_a_policy_set_by_the_view_is_kept() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_build_policy_forms() -> None:
    assert (
        build_policy({"a": ["x", "y"], "b": "z", "c": True, "d": False, "e": [], "f": None})
        == "a x y; b z; c"
    )
    assert build_policy({}) == ""


# --- no page needs 'unsafe-inline' -------------------------------------------------------


class InlineFinder(HTMLParser):
    """What a policy without 'unsafe-inline' would block: inline scripts (a JSON data block
    is not one), <style> elements, style= and on…= attributes, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for name, value in attrs:
            if name == "style" or name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._script = named

    def handle_data(self, data: str) -> None:
        script = self._script
        if script is None or not data.strip() or script.get("src"):
            return
        if (script.get("type") or "").lower() != "application/json":
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_sees_what_the_policy_blocks() -> None:
    found = inline_code(
        '<div style="x"></div><a href="javascript:x()">a</a><button onclick="x()"></button>'
        "<style>p{}</style><script>x()</script>"
        '<script type="application/json">{"a": 1}</script><script src="/s.js"></script>'
    )
    assert len(found) == 5, found


def _pages_html(client: Client, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found[path] = inline_code(response.content.decode())
    return {path: hits for path, hits in found.items() if hits}


def test_no_page_of_ours_needs_unsafe_inline(users: dict[str, Any]) -> None:
    ticket = register(users["agent"])
    anonymous = Client()
    assert (
        _pages_html(anonymous, ["/login/", "/public/", "/public/submit/", "/public/track/", "/admin/login/"])
        == {}
    )
    pages = {
        "agent": ["/work/", "/intake/", f"/intake/done/{ticket.number}/", f"/tickets/{ticket.number}/"],
        "coordinator": ["/board/", "/work/", "/notifications/", "/callbacks/", f"/tickets/{ticket.number}/"],
        "admin": ["/packs/"],
        "teamlead": ["/intake/blocklist/"],
        "leader": ["/approvals/"],
    }
    for username, paths in pages.items():
        client = Client()
        client.force_login(users[username])
        assert _pages_html(client, paths) == {}, username


def test_no_admin_page_needs_unsafe_inline(users: dict[str, Any]) -> None:
    """Every model's list and add page (a ModelAdmin without actions would bring Django's
    inline <style>), the index and the API docs page."""
    client = Client()
    client.force_login(users["admin"])
    paths = ["/admin/", "/api/docs/"]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        request = RequestFactory().get("/")
        request.user = users["admin"]
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert users["admin"].is_superuser
    assert _pages_html(client, paths) == {}


def test_the_browsable_api_needs_no_unsafe_inline(users: dict[str, Any]) -> None:
    """DRF's pages for a browser (with its Filters button and Extra Actions menu, which
    carried style="…", and its code highlighting's <style>)."""
    ticket = register(users["agent"])
    client = Client(headers={"Accept": "text/html"})
    client.force_login(users["coordinator"])
    paths = ["/api/v1/tickets/", f"/api/v1/tickets/{ticket.number}/", "/api/v1/units/", "/api/v1/categories/"]
    html = client.get("/api/v1/tickets/").content.decode()
    assert 'data-target="#filtersModal"' in html and "extra-actions-menu" not in html
    assert "extra-actions-menu" in client.get(paths[1]).content.decode()
    assert _pages_html(client, paths) == {}


def test_htmx_adds_no_style_and_evaluates_nothing(db: Any) -> None:
    html = Client().get("/login/").content.decode()
    assert re.search(
        r"""<meta name="htmx-config" content='\{"includeIndicatorStyles": false, "allowEval": false\}'>""",
        html,
    )


# --- transport: Secure cookies, HSTS, the SSL redirect behind a proxy ------------------------


def _settings_in_a_fresh_process(tmp_path: Path, env: dict[str, str], names: list[str]) -> list[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_") or k == "HOTLINE_HUEY_NAME"
    }
    environ.update(HOTLINE_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="hotline.settings", **env)
    code = "from django.conf import settings\n" + "".join(f"print(repr(settings.{n}))\n" for n in names)
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.splitlines()


NAMES = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "HOTLINE_API_DOCS_PUBLIC",
]


def test_defaults_suit_plain_http_on_loopback(tmp_path: Path) -> None:
    assert _settings_in_a_fresh_process(tmp_path, {}, NAMES) == [
        "False", "False", "False", "False", "0", "False", "False", "None", "False"
    ]  # fmt: skip


def test_the_environment_turns_each_on(tmp_path: Path) -> None:
    env = {**PRODUCTION_ENV, "HOTLINE_API_DOCS_PUBLIC": "1"}
    assert _settings_in_a_fresh_process(tmp_path, env, NAMES) == [
        "True", "True", "True", "True", "31536000", "True", "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')", "True",
    ]  # fmt: skip


def test_without_a_proxy_x_forwarded_proto_is_not_believed(tmp_path: Path) -> None:
    env = {**PRODUCTION_ENV, "HOTLINE_NUM_PROXIES": "0"}
    assert _settings_in_a_fresh_process(tmp_path, env, ["SECURE_PROXY_SSL_HEADER"]) == ["None"]


@override_settings(**SERVED)
def test_behind_the_proxy_http_is_redirected_and_https_served_with_hsts(db: Any) -> None:
    client = Client()
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    # the client's own X-Forwarded-Proto is what nginx overwrites with its $scheme
    secure = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert secure.cookies["csrftoken"]["secure"] is True


@override_settings(**SERVED)
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_not_redirected(db: Any, path: str) -> None:
    assert Client().get(path).status_code in {200, 503}


@override_settings(**SERVED)
def test_the_session_cookie_is_secure(users: dict[str, Any]) -> None:
    client = Client(headers={"X-Forwarded-Proto": "https"})
    client.get("/login/")
    response = client.post("/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


# --- check --deploy -------------------------------------------------------------------


# The browser fixtures set DJANGO_ALLOW_ASYNC_UNSAFE for the whole test session (Playwright's
# loop), which check --deploy rightly reports (async.E001); no deployment sets it.
HARNESS_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def _deployment_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in HARNESS_ONLY}


def test_check_deploy_is_clean_on_the_documented_production_settings() -> None:
    out = StringIO()
    with (
        mock.patch.dict(os.environ, _deployment_environ(), clear=True),
        override_settings(
            **PRODUCTION_SETTINGS, SECRET_KEY=secrets.token_hex(32), HOTLINE_INSECURE_SECRET_KEY=False
        ),
    ):
        call_command("check", deploy=True, fail_level="WARNING", stdout=out)
    assert "no issues" in out.getvalue()


def test_check_deploy_warns_on_the_embedded_defaults() -> None:
    with (
        override_settings(SECRET_KEY=secrets.token_hex(32), HOTLINE_INSECURE_SECRET_KEY=False),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check", deploy=True, fail_level="WARNING", stdout=StringIO())
    for check_id in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check_id in str(raised.value)


def test_hotline_check_deploy_in_the_documented_environment(tmp_path: Path) -> None:
    environ = {k: v for k, v in _deployment_environ().items() if not k.startswith("HOTLINE_")}
    environ.update(PRODUCTION_ENV, HOTLINE_HOME=str(tmp_path), HOTLINE_SECRET_KEY=secrets.token_hex(32))
    environ.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- the OpenAPI schema and docs need a login -------------------------------------------


def test_anonymous_schema_is_a_401_problem(db: Any) -> None:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs/?script="])
def test_anonymous_docs_go_to_the_login_page(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/api/docs/")
    assert b"swagger" not in response.content.lower()


def test_signed_in_users_get_schema_and_docs(users: dict[str, Any]) -> None:
    client = Client()
    client.force_login(users["handler"])
    assert client.get("/api/schema/", {"format": "json"}).json()["info"]["title"] == "Hotline API"
    page_html = client.get("/api/docs/").content.decode()
    assert 'src="/api/docs/?script="' in page_html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


def test_an_api_token_reads_the_schema(users: dict[str, Any]) -> None:
    token, _ = Token.objects.get_or_create(user=users["agent"])
    response = APIClient().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@override_settings(HOTLINE_API_DOCS_PUBLIC=True)
def test_the_setting_opens_schema_and_docs(db: Any) -> None:
    client = Client()
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/docs/?script=").status_code == 200
