from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Field
from django.http import HttpRequest

from hotline.org.models import Membership, Unit

if TYPE_CHECKING:
    from hotline.core.types import User

    # django-stubs makes the admin classes generic in their models; Django's classes cannot
    # be subscripted at run time, so only the type checker sees the parameters.
    _MembershipInline = admin.TabularInline[Membership, Unit]
    _UnitAdmin = admin.ModelAdmin[Unit]
    _MembershipAdmin = admin.ModelAdmin[Membership]
    _UserMembershipInline = admin.TabularInline[Membership, User]
    _UserAdmin = BaseUserAdmin[User]
else:
    _MembershipInline = _UserMembershipInline = admin.TabularInline
    _UnitAdmin = _MembershipAdmin = admin.ModelAdmin
    _UserAdmin = BaseUserAdmin


class MembershipInline(_MembershipInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(_UnitAdmin):
    list_display = ["name", "code", "kind", "parent", "region", "policy", "is_active"]
    list_filter = ["kind", "is_active", "policy"]
    search_fields = ["name", "code", "region"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def formfield_for_dbfield(self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "policy":
            from hotline.policies.registry import pack_choices

            return forms.ChoiceField(
                label="政策包", choices=[("", "(继承上级单位)"), *pack_choices()], required=False
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(_MembershipAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


class UserMembershipInline(_UserMembershipInline):
    """A user's roles (memberships), edited on the user page."""

    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]
    verbose_name = "角色"
    verbose_name_plural = "角色(所在单位与岗位)"


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(_UserAdmin):
    inlines = [*BaseUserAdmin.inlines, UserMembershipInline]


admin.site.site_header = "投诉举报受理处理平台 · 配置管理"
admin.site.site_title = "投诉举报受理处理平台"
admin.site.index_title = "配置:单位、用户与角色、分类、工作日历"
admin.site.site_url = "/"
