"""Small helpers the ticket page and the intake screen share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from hotline.core.errors import HotlineError, NotFound
from hotline.core.types import AnyUser
from hotline.workflow.access import access_ticket


def error_page(request: HttpRequest, err: HotlineError) -> HttpResponse:
    """A domain error as a readable Chinese page with the error's HTTP status."""
    return render(request, "web/ticket/error.html", {"error": err}, status=err.status)


def page_status(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers: a form re-rendered with its errors goes back as 200 to htmx."""
    return 200 if getattr(request, "htmx", False) else status


def staff_page(
    allowed: Callable[[AnyUser], bool], refusal: Any
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A page for users ``allowed`` lets in: signed in (else the login page), and then the
    Chinese 403 page saying ``refusal`` to anyone else."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):
                return render(request, "403.html", {"exception": refusal}, status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


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
