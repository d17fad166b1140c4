"""Routes of the rectification pages (整改通知书), in the workbench's ``web`` namespace."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import rectification

NUMBER = "<str:number>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("rectifications/", rectification.notice_list, name="rectification-list"),
    path("rectifications/new/", rectification.notice_new, name="rectification-new"),
    path(f"rectifications/{NUMBER}/", rectification.notice_detail, name="rectification"),
    path(f"rectifications/{NUMBER}/act/<str:action>/", rectification.notice_action, name="rectification-act"),
]
