"""One JSON log line per request, with a request id that the response returns and every
log record of that request carries."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.conf import settings
from django.test import override_settings

from hotline.ops.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, TextFormatter

HEX32 = re.compile(r"[0-9a-f]{32}")
BEHIND_ONE_PROXY = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "hotline.request"]


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second) and first != second


def test_a_clients_request_id_is_ignored_without_a_trusted_proxy(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert response["X-Request-ID"] != "chosen-by-the-client"
    assert HEX32.fullmatch(response["X-Request-ID"])


@override_settings(REST_FRAMEWORK=BEHIND_ONE_PROXY)
def test_the_proxys_request_id_is_kept_behind_a_configured_proxy(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="5f0c6b3a9d2e4e1f8a7b6c5d4e3f2a1b")
    assert response["X-Request-ID"] == "5f0c6b3a9d2e4e1f8a7b6c5d4e3f2a1b"


@override_settings(REST_FRAMEWORK=BEHIND_ONE_PROXY)
@pytest.mark.parametrize("bad", ["x" * 129, "two words", 'quote"s', "line\nbreak", ""])
def test_a_malformed_request_id_is_replaced(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert HEX32.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_one_line_per_request_with_its_fields_and_no_query_string(client, users, caplog):
    client.force_login(users["coordinator"])
    with caplog.at_level(logging.INFO, logger="hotline.request"):
        response = client.get("/work/?q=13800001111")
    [line] = request_lines(caplog)
    assert line.request_id == response["X-Request-ID"]
    assert (line.method, line.path, line.status, line.view) == ("GET", "/work/", 200, "web:worklist")
    assert line.user_id == users["coordinator"].pk
    assert line.client == "127.0.0.1"
    assert line.duration_ms >= 0 and line.bytes == len(response.content)
    rendered = JsonFormatter().format(line)
    assert "13800001111" not in rendered  # searches carry phone numbers: never logged


@pytest.mark.django_db
def test_an_anonymous_request_is_logged_without_looking_the_user_up(
    client, caplog, django_assert_num_queries
):
    with caplog.at_level(logging.INFO, logger="hotline.request"), django_assert_num_queries(0):
        client.get("/public/")
    [line] = request_lines(caplog)
    assert line.user_id is None and line.status == 200


def test_probes_are_logged_at_debug_only(client, caplog):
    with caplog.at_level(logging.INFO, logger="hotline.request"):
        client.get("/healthz")
    assert request_lines(caplog) == []
    with caplog.at_level(logging.DEBUG, logger="hotline.request"):
        client.get("/healthz")
    assert [r.levelno for r in request_lines(caplog)] == [logging.DEBUG]


def test_a_404_is_one_line_too(client, caplog):
    with caplog.at_level(logging.INFO, logger="hotline.request"):
        client.get("/no-such-page/")
    [line] = request_lines(caplog)
    assert (line.status, line.view) == (404, "unmatched")


# --- the formatter ---------------------------------------------------------------------


def make_record(msg="工单 %s 已登记", args=("JZ20261130001",), **extra):
    record = logging.LogRecord("hotline.test", logging.WARNING, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_lines_hold_time_level_logger_message_and_extra_fields():
    line = JsonFormatter().format(make_record(status=201, payload={"n": 1}))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "hotline.test"
    assert entry["message"] == "工单 JZ20261130001 已登记"
    assert "工单" in line  # readable, not \\u-escaped
    assert entry["status"] == 201 and entry["payload"] == {"n": 1}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])
    assert "request_id" not in entry


def test_records_written_during_a_request_carry_its_id():
    token = REQUEST_ID.set("abc123")
    try:
        record = make_record()
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "abc123"
    assert "[abc123]" in TextFormatter().format(record)


def test_an_exception_is_one_line_with_its_traceback():
    try:
        raise ValueError("坏了")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: 坏了" in json.loads(line)["exc"]


def test_an_unknown_log_format_is_refused():
    from hotline.ops.logs import formatter_class

    with pytest.raises(ValueError, match="json or text"):
        formatter_class("xml")
