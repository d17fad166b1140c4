from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from hotline.api import views

router = SimpleRouter(trailing_slash=True)
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("units", views.UnitViewSet, basename="unit")
router.register("categories", views.CategoryViewSet, basename="category")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("v1/auth/token/", views.TokenView.as_view(), name="api-token"),
    path("v1/calendar/days/", views.CalendarDaysView.as_view(), name="calendar-days"),
    path("v1/calendar/deadline/", views.DeadlineView.as_view(), name="calendar-deadline"),
    path("v1/public/submissions/", views.PublicSubmissionView.as_view(), name="public-submit"),
    path("v1/public/submissions/<str:number>/", views.PublicStatusView.as_view(), name="public-status"),
    path("v1/", include(router.urls)),
]
