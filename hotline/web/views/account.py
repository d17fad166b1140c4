"""修改密码 (000 L48 item 4): every workbench user changes their own password — for an agent
the one they sign in to the seat with, too.

Django's password change, in Chinese and in the workbench layout: the old password, the new
one twice, checked by the validators of ``AUTH_PASSWORD_VALIDATORS``; the session stays
signed in (``update_session_auth_hash``), other sessions of the user end. The old password
is checked through ``authenticate``, so a wrong one counts as a failed login for django-axes
like at every door that checks a password (ADR 0015): a stolen session cannot guess the
password here without limit, and once locked the page answers 429 with the lockout message
(``hotline.core.logins.lockout_response``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("原密码不正确,请重新输入。"),
        "password_mismatch": _("两次输入的新密码不一致。"),
    }

    def __init__(self, user: Any, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old = str(self.cleaned_data.get("old_password") or "")
        if authenticate(self.request, username=self.user.get_username(), password=old) is None:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "web/account/password_change.html"
    success_url = reverse_lazy("web:password-change-done")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "web/account/password_change_done.html"
