"""The workbench's search page (``/search/``, ``web:search``)."""

from django.urls import URLPattern, path

from hotline.web.views import search

urlpatterns: list[URLPattern] = [
    path("search/", search.search_page, name="search"),
]
