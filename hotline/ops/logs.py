"""Logs as JSON lines (one object per line), each carrying the request id of its request.

``JsonFormatter`` writes ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
``request_id`` when the record was written while a request was served, the fields a
caller passed with ``extra=`` and ``exc`` (the traceback) for exceptions. No Django imports
here: gunicorn's master process configures its own loggers with this formatter before
Django is set up.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request being served by this thread (set by RequestLogMiddleware).
REQUEST_ID: ContextVar[str | None] = ContextVar("hotline_request_id", default=None)

# Attributes every LogRecord has: anything else on a record came from ``extra=``.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "request_id", "taskName"}
)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``None`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; Chinese stays readable (no ``\\u`` escapes)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain alternative (``HOTLINE_LOG_FORMAT=text``): one line, request id in brackets."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get() or "-"
        return super().format(record)


def formatter_class(name: str) -> str:
    """The dotted path of the formatter for ``HOTLINE_LOG_FORMAT`` (``json`` or ``text``)."""
    if name == "text":
        return "hotline.ops.logs.TextFormatter"
    if name == "json":
        return "hotline.ops.logs.JsonFormatter"
    raise ValueError(f"HOTLINE_LOG_FORMAT must be json or text, not {name!r}")


def gunicorn_logconfig(log_format: str) -> dict[str, Any]:
    """gunicorn's own loggers (start, stop, worker timeouts) in the same format, on stderr.

    The access log is off: ``RequestLogMiddleware`` writes the one line per request.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hotline": {"()": formatter_class(log_format)}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "hotline",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["error_console"]},
    }
