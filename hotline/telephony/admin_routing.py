"""Routing and the voice menu in the admin: access numbers, menus (options inline), recorded
prompts (uploaded as files, kept in the database) and routing rules.

Everything here ends up in the Asterisk dialplan or in an AGI command, so the forms take
only what is safe there: digits for numbers and transfer targets, a skill group for a
queue option, an 8 kHz 16-bit mono WAV for a prompt (what Asterisk's ``wav`` plays
without transcoding). ``hotline telephony asterisk-config`` writes the result out.
"""

from __future__ import annotations

import io
import re
import wave
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from hotline.core.errors import InvalidInput
from hotline.core.phones import normalise_phone, phone_line
from hotline.core.uploads import content_matches
from hotline.telephony.models import HotlineNumber, IvrAction, IvrMenu, IvrOption, IvrPrompt, RoutingRule

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _Inline = admin.TabularInline[Any, Any]
    _Form = forms.ModelForm[Any]
else:
    _Admin = admin.ModelAdmin
    _Inline = admin.TabularInline
    _Form = forms.ModelForm

PROMPT_MAX_BYTES = 5 * 1024 * 1024  # five minutes of 8 kHz 16-bit audio
PROMPT_RATE = 8000
_DIGITS = re.compile(r"^[0-9]{2,32}$")
_KEYS = frozenset("0123456789*#")


class HotlineNumberForm(_Form):
    class Meta:
        model = HotlineNumber
        fields = "__all__"

    def clean_number(self) -> str:
        number = str(self.cleaned_data["number"]).strip()
        if not _DIGITS.match(number):
            raise forms.ValidationError("号码只能是 2–32 位数字(与交换机拨号方案中的被叫号码一致)")
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if opens is not None and closes is not None and not opens < closes:
            self.add_error("closes", "下班时间应晚于上班时间")
        return data


@admin.register(HotlineNumber)
class HotlineNumberAdmin(_Admin):
    form = HotlineNumberForm
    list_display = ("number", "name", "group", "priority", "opens", "closes", "working_menu", "active")
    list_filter = ("active",)


class IvrOptionForm(_Form):
    class Meta:
        model = IvrOption
        fields = ("digit", "label", "action", "group", "submenu", "target")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        digit, action = data.get("digit") or "", data.get("action")
        if digit and digit not in _KEYS:
            self.add_error("digit", "按键只能是 0–9、* 或 #")
        if action == IvrAction.QUEUE and data.get("group") is None:
            self.add_error("group", "进入技能组排队须选择技能组")
        if action == IvrAction.MENU:
            submenu = data.get("submenu")
            if submenu is None:
                self.add_error("submenu", "请选择下级菜单")
            elif self.instance.menu_id is not None and submenu.pk == self.instance.menu_id:
                self.add_error("submenu", "下级菜单不能是本菜单")
        if action == IvrAction.TRANSFER and not _DIGITS.match(str(data.get("target") or "").strip()):
            self.add_error("target", "转接目标须为分机号或电话号码(数字)")
        return data


class IvrOptionInline(_Inline):
    model = IvrOption
    form = IvrOptionForm
    fk_name = "menu"
    extra = 1


@admin.register(IvrMenu)
class IvrMenuAdmin(_Admin):
    list_display = ("name", "prompt", "timeout_seconds", "retries", "default_digit")
    inlines = (IvrOptionInline,)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        field = form.base_fields.get("default_digit")
        if field is not None:
            field.help_text = "重复后仍未按键时按此键处理;留空为转人工"
        return form


class IvrPromptForm(_Form):
    upload = forms.FileField(
        label="音频文件",
        required=False,
        help_text="WAV,8000 Hz、16 位、单声道(可用 sox in.mp3 -r 8000 -c 1 -b 16 out.wav 转换),不超过 5 MB",
    )

    class Meta:
        model = IvrPrompt
        fields = ("name", "title")

    def clean_upload(self) -> bytes | None:
        upload = self.cleaned_data.get("upload")
        if upload is None:
            if self.instance.pk is None:
                raise forms.ValidationError("请选择音频文件")
            return None
        if upload.size > PROMPT_MAX_BYTES:
            raise forms.ValidationError("音频文件不能超过 5 MB")
        if not content_matches(".wav", upload.file):
            raise forms.ValidationError("只接受 WAV 文件")
        data: bytes = upload.read()
        try:
            with wave.open(io.BytesIO(data)) as audio:
                shape = (audio.getframerate(), audio.getsampwidth(), audio.getnchannels())
        except (wave.Error, EOFError) as exc:
            raise forms.ValidationError("无法读取该 WAV 文件(须为未压缩的 PCM)") from exc
        if shape != (PROMPT_RATE, 2, 1):
            raise forms.ValidationError(
                f"须为 8000 Hz、16 位、单声道,该文件为 {shape[0]} Hz、{shape[1] * 8} 位、{shape[2]} 声道"
            )
        return data


@admin.register(IvrPrompt)
class IvrPromptAdmin(_Admin):
    form = IvrPromptForm
    list_display = ("name", "title", "uploaded_by", "uploaded_at")
    readonly_fields = ("uploaded_by", "uploaded_at")

    def save_model(self, request: HttpRequest, obj: IvrPrompt, form: Any, change: bool) -> None:
        data = form.cleaned_data.get("upload")
        if data is not None:
            obj.audio = data
            obj.content_type = "audio/wav"
            obj.uploaded_by = request.user if request.user.is_authenticated else None
            obj.uploaded_at = timezone.now()
        super().save_model(request, obj, form, change)


class RoutingRuleForm(_Form):
    class Meta:
        model = RoutingRule
        fields = ("kind", "pattern", "hotline_number", "agent", "group", "order", "active")
        help_texts = {"pattern": "按归属地:如“广东省深圳市”(前缀匹配);按号码:来电号码"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pattern = str(data.get("pattern") or "").strip()
        if data.get("kind") == RoutingRule.Kind.NUMBER and pattern:
            try:
                data["pattern"] = phone_line(normalise_phone(pattern, field="pattern"))
            except InvalidInput as exc:
                self.add_error("pattern", str(exc.detail))
        if data.get("agent") is None and data.get("group") is None:
            self.add_error("group", "请指定座席或技能组")
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(_Admin):
    form = RoutingRuleForm
    list_display = ("order", "kind", "pattern", "hotline_number", "agent", "group", "active")
    list_filter = ("kind", "active")
    ordering = ("order", "pk")
