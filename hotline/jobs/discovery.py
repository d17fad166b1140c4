"""Find every installed app's ``tasks.py`` so its tasks register with the one Huey."""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps


def autodiscover_tasks() -> list[str]:
    """Import ``<app>.tasks`` for each installed app that has one; returns the modules."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            found.append(name)
    return found
