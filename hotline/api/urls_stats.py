from django.urls import URLPattern, path

from hotline.api import call_stats, stats

urlpatterns: list[URLPattern] = [
    path("", stats.StatsView.as_view(), name="stats"),
    path("tickets/", stats.StatsDrillView.as_view(), name="stats-tickets"),
    path("measures/", stats.StatsCatalogueView.as_view(), name="stats-measures"),
    path("calls/", call_stats.CallStatsView.as_view(), name="stats-calls"),  # 话务报表
]
