from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("hotline.api.urls")),
]

handler404 = "hotline.api.problems.handler404"
handler500 = "hotline.api.problems.handler500"
