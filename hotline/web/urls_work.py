"""Routes of the workbench's own pages (login, home, lists); ticket screens are in urls_ticket."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import account, work

urlpatterns: list[URLPattern | URLResolver] = [
    path("favicon.ico", work.favicon, name="favicon"),
    path("login/", work.LoginView.as_view(), name="login"),
    path("logout/", work.LogoutView.as_view(), name="logout"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password-change"),  # 修改密码
    path("account/password/done/", account.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("", work.home, name="home"),
    path("work/", work.worklist, name="worklist"),
    path("work/sign/", work.bulk_sign, name="bulk_sign"),
    path("board/", work.board, name="board"),
    path("approvals/", work.approvals, name="approvals"),
    path("callbacks/", work.callbacks, name="callbacks"),
    path("notifications/", work.notifications, name="notifications"),
    path("notifications/read/", work.notifications_read, name="notifications_read"),
    path("packs/", work.packs, name="packs"),
]
