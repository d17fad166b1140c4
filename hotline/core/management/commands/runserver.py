"""``runserver`` (Django's development server, with static files) that will not listen
beyond loopback while the signing key is one anyone can know (``refuse_insecure_bind``).

``hotline.core`` comes before ``django.contrib.staticfiles`` in ``INSTALLED_APPS`` so that
this command is the one ``hotline runserver`` finds.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver

from hotline.core.checks import refuse_insecure_bind


class Command(StaticRunserver):
    addr: str  # set by handle() from the address:port argument

    def run(self, **options: Any) -> None:
        refuse_insecure_bind(self.addr)
        super().run(**options)
