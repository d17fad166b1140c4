"""Routes of the intake screen's 规范应答 panel (htmx partials; the intake view saves)."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import scripts

urlpatterns: list[URLPattern | URLResolver] = [
    path("intake/scripts/suggest/", scripts.script_suggest, name="script_suggest"),
    path("intake/scripts/walk/", scripts.script_walk_panel, name="script_walk"),
    path("intake/scripts/outcome/", scripts.script_outcome, name="script_outcome"),
]
