"""The staff workbench. Two route modules, so the worklists and the ticket screens grow apart."""

from django.urls import include, path

app_name = "web"
urlpatterns = [
    path("", include("hotline.web.urls_work")),
    path("", include("hotline.web.urls_ticket")),
]
