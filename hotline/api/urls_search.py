"""``/api/v1/search/``: one search box over tickets and knowledge articles (``hotline.api.search``)."""

from django.urls import URLPattern, path

from hotline.api import search

urlpatterns: list[URLPattern] = [
    path("", search.SearchView.as_view(), name="search"),
]
