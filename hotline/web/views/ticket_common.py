"""Small helpers the ticket page and the intake screen share."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.core.errors import HotlineError


def error_page(request: HttpRequest, err: HotlineError) -> HttpResponse:
    """A domain error as a readable Chinese page with the error's HTTP status."""
    return render(request, "web/ticket/error.html", {"error": err}, status=err.status)


def page_status(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers: a form re-rendered with its errors goes back as 200 to htmx."""
    return 200 if getattr(request, "htmx", False) else status
