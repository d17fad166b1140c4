"""Writes to the organisation tree."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from hotline.org.models import Unit


def unit_save(unit: Unit, save_row: Callable[[], None]) -> None:
    """Save ``unit`` and keep the materialised paths true, all in one transaction.

    A new unit is saved twice (its path needs its primary key). Moving a unit under another
    parent rewrites the paths and depths of its whole subtree with one UPDATE, so a crash
    half-way can never leave a subtree pointing at its old place.
    """
    with transaction.atomic():
        old_path = unit.path
        save_row()
        parent_path = unit.parent.path if unit.parent_id and unit.parent else "/"
        new_path = f"{parent_path}{unit.pk}/"
        if new_path == old_path:
            return
        depth = new_path.count("/") - 2
        Unit.objects.filter(pk=unit.pk).update(path=new_path, depth=depth)
        unit.path, unit.depth = new_path, depth
        if old_path:
            shift = depth - (old_path.count("/") - 2)
            Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)), depth=F("depth") + shift
            )
