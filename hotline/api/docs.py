"""The OpenAPI schema (``/api/schema/``) and its Swagger UI page (``/api/docs/``).

Both need a signed-in user (session or API token) unless ``HOTLINE_API_DOCS_PUBLIC`` is on:
the schema lists every endpoint, field and error code. Without a login the schema answers
401 as a problem document, like the rest of the API; the docs page — opened in a browser —
sends the visitor to the login page and back.

The docs page is drf-spectacular's "split" Swagger UI: its start-up script is a file
(``/api/docs/?script``), not inline, so the page runs under our Content-Security-Policy
(no ``'unsafe-inline'``); its inline ``<style>`` is moved out by
``hotline/templates/drf_spectacular/swagger_ui.html``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http.response import HttpResponseBase
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView


class DocsAccess(BasePermission):
    """A signed-in user, or anyone when ``HOTLINE_API_DOCS_PUBLIC`` is on."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if settings.HOTLINE_API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsAccess]

    def handle_exception(self, exc: Exception) -> Any:
        # A refusal is a problem document in JSON, as everywhere in the API, not in the
        # schema's YAML.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [DocsAccess]

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, NotAuthenticated):
            response: HttpResponseBase = redirect_to_login(self.request.get_full_path())
            return response
        return super().handle_exception(exc)
