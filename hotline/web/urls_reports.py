"""Routes of the report centre (报表中心): the page, the tickets behind a cell, hot topics."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import call_reports, reports, reports_drill

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", reports.centre, name="reports"),
    path("reports/drill/", reports_drill.drill_list, name="reports-drill"),
    path("reports/hot/", reports_drill.hot, name="reports-hot"),
    path("reports/calls/", call_reports.calls, name="reports-calls"),  # 话务报表
]
