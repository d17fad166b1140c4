"""Every admin page an administrator uses renders, in Chinese."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import register


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def test_every_changelist_and_add_page_renders(admin_client, users):
    register(users["agent"])  # so ticket lists have a row
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, info
        if model_admin.has_add_permission(changelist.wsgi_request):
            assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info


def test_a_ticket_opens_read_only_without_identity(admin_client, users):
    ticket = register(users["agent"], complainant__name="张三丰", complainant__phone="13812345678")
    page = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "张三丰" not in html and "13812345678" not in html
    assert ticket.subject in html


def test_the_admin_speaks_chinese(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "工单" in html and "单位" in html and "配置管理" in html


def test_a_unit_change_page_offers_the_packs(admin_client, org):
    html = admin_client.get(reverse("admin:org_unit_change", args=[org.units["JZ-DH"].pk])).content.decode()
    assert "market-12315" in html and "继承上级单位" in html
