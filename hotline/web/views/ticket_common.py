"""Small helpers the ticket page and the intake screen share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from hotline.core.errors import HotlineError, NotFound
from hotline.workflow.access import access_ticket


def error_page(request: HttpRequest, err: HotlineError) -> HttpResponse:
    """A domain error as a readable Chinese page with the error's HTTP status."""
    return render(request, "web/ticket/error.html", {"error": err}, status=err.status)


def page_status(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers: a form re-rendered with its errors goes back as 200 to htmx."""
    return 200 if getattr(request, "htmx", False) else status


def visible_ticket(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Hand the view the ticket of the URL's ``number`` that the user may see, as ``ticket``.

    A missing ticket and one the user may not see are the same Chinese 404 page
    (``access_ticket``). Put it under ``login_required``."""

    @wraps(view)
    def wrapper(request: HttpRequest, number: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            ticket = access_ticket(request.user, number)
        except NotFound as err:
            return error_page(request, err)
        return view(request, ticket, *args, **kwargs)

    return wrapper
