"""The form renderer (``FORM_RENDERER``): Django's, with its plainest widget templates done
in Python.

Django renders every widget through its template engine, and a ``<select>`` through one
template include per option, each with its own include of ``attrs.html``: the dispatch
form's unit list alone is some eighty template renders. On the ticket page the widgets
were half of the template time. Here the templates that are nothing but markup around the
widget's context — ``input.html`` and the fourteen that only include it, ``select.html``,
``select_option.html``, ``textarea.html`` — are built by the functions below, which write
exactly what those templates write (``tests/web/test_renderer.py`` renders every widget
the product uses both ways and compares the strings). Every other template (radio lists,
forms, fields, a project override) goes through the templates as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

W = "django/forms/widgets/"


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``%s`` formatting, escaped unless already safe."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else escape(text)


def _shown(value: Any) -> str:
    """``{{ value }}``: localised, then escaped unless already safe."""
    return str(conditional_escape(localize(value)))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``attrs.html``: ``True`` writes the bare name, ``False`` leaves the attribute out."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    head = f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
    return f"{head}{shown}{_attrs(widget['attrs'])}>"


def _option(widget: Mapping[str, Any]) -> str:
    head = f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>'
    return f"{head}{_shown(widget['label'])}</option>"


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    head = f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{head}\n{_shown(value) if value else ''}</textarea>"


_INPUTS = (
    "input checkbox color date datetime email file hidden number password search tel text time url"
).split()
_BUILT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"{W}{name}.html": _input for name in _INPUTS},
    f"{W}select_option.html": _option,
    f"{W}textarea.html": _textarea,
}


class FastWidgets(DjangoTemplates):
    """Django's template renderer; the widget templates above are built in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> SafeString:
        if template_name == f"{W}select.html":
            return mark_safe(self._select(context["widget"], request))
        build = _BUILT.get(template_name)
        if build is None:
            return mark_safe(super().render(template_name, context, request))
        return mark_safe(build(context["widget"]).strip())

    def _select(self, widget: Mapping[str, Any], request: Any) -> str:
        parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
            for option in group_choices:
                parts.append("\n  ")
                # an include, not a render: the template's closing newline stays
                if option["template_name"] == f"{W}select_option.html":
                    parts.append(_option(option) + "\n")
                else:
                    parts.append(
                        self.get_template(option["template_name"]).render({"widget": option}, request)
                    )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)
