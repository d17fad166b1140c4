from django.urls import include, path
from rest_framework.routers import SimpleRouter

from hotline.api import docs, views

router = SimpleRouter(trailing_slash=True)
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("units", views.UnitViewSet, basename="unit")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = [
    # a login unless HOTLINE_API_DOCS_PUBLIC; the docs page loads its script as a file (CSP)
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(url_name="schema"), name="api-docs"),
    path("v1/auth/token/", views.TokenView.as_view(), name="api-token"),
    path("v1/calendar/days/", views.CalendarDaysView.as_view(), name="calendar-days"),
    path("v1/calendar/deadline/", views.DeadlineView.as_view(), name="calendar-deadline"),
    path("v1/public/submissions/", views.PublicSubmissionView.as_view(), name="public-submit"),
    path("v1/public/submissions/<str:number>/", views.PublicStatusView.as_view(), name="public-status"),
    path("v1/", include(router.urls)),
    path("v1/", include("hotline.api.urls_batches")),  # batches/, tickets/<n>/links/<id>/…
    path("v1/", include("hotline.api.urls_calls")),  # cti/<token>, calls/, agents/me/, callbacks/
    path("v1/", include("hotline.api.urls_floor")),  # floor/wallboard/, floor/agents/<id>/actions/, …
    path("v1/", include("hotline.api.urls_dispatch")),  # tickets/<n>/dispatch-suggestion/ (派单建议)
    path("v1/", include("hotline.api.urls_major")),  # tickets/<n>/major/ (重大投诉 by hand)
    path("v1/", include("hotline.api.urls_smsin")),  # sms/inbound/aliyun/ (短信受理)
    path("v1/kb/", include("hotline.api.urls_kb")),
    path("v1/search/", include("hotline.api.urls_search")),
    path("v1/stats/", include("hotline.api.urls_stats")),
    path("v1/rectifications/", include("hotline.api.urls_rectification")),
    path("v1/reports/", include("hotline.api.urls_reports")),
    path("v1/exports/", include("hotline.api.urls_exports")),
    path("v1/assessment/", include("hotline.api.urls_assessment")),
    path("v1/exchange/", include("hotline.api.urls_exchange")),  # <partner>/tickets (上级转办)
]
