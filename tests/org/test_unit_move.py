"""Moving a unit rewrites its subtree's paths and depths in one transaction."""

from __future__ import annotations

from hotline.org.models import Unit
from tests.factories import UnitFactory


def test_moving_a_unit_moves_its_whole_subtree(db):
    a = UnitFactory(kind="centre")
    b = UnitFactory(parent=a)
    c = UnitFactory(parent=b)
    d = UnitFactory(parent=c)
    other = UnitFactory(kind="centre")

    b.parent = other
    b.save()

    fresh = {u.pk: u for u in Unit.objects.filter(pk__in=[b.pk, c.pk, d.pk])}
    assert fresh[b.pk].path == f"/{other.pk}/{b.pk}/"
    assert fresh[c.pk].path == f"/{other.pk}/{b.pk}/{c.pk}/"
    assert fresh[d.pk].path == f"/{other.pk}/{b.pk}/{c.pk}/{d.pk}/"
    assert [fresh[x.pk].depth for x in (b, c, d)] == [1, 2, 3]
    assert other.covers(fresh[d.pk]) and not a.covers(fresh[d.pk])


def test_moving_a_unit_up_a_level_shortens_the_depths(db):
    a = UnitFactory(kind="centre")
    b = UnitFactory(parent=a)
    c = UnitFactory(parent=b)
    d = UnitFactory(parent=c)
    c.parent = a
    c.save()
    assert Unit.objects.get(pk=d.pk).path == f"/{a.pk}/{c.pk}/{d.pk}/"
    assert [Unit.objects.get(pk=x.pk).depth for x in (c, d)] == [1, 2]
