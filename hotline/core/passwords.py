"""Password rules in Chinese (``AUTH_PASSWORD_VALIDATORS``).

Django 5.2 words the minimum-length error as ``"... at least %d characters."``, a message
its Chinese catalogue does not have yet (it still has the ``%(min_length)d`` wording), so
the password change page showed it in English. Django's own hook for the wording
(``get_error_message``) gives it in Chinese, translated like every other string here.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return gettext("密码太短,至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return gettext("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
