from django.urls import include, path

from hotline.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("rate/<str:number>/", views.rate, name="rate"),
    path("faq/", include("hotline.portal.urls_faq")),  # 常见问题: the public articles
]
