"""The ``hotline`` console script: Django's management commands under one name.

``hotline demo``, ``hotline generate --tickets N``, ``hotline calendar import FILE``,
``hotline migrate``, ``hotline runserver`` ... are all management commands.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hotline", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
