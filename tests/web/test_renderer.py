"""The form renderer (``hotline.web.renderer``) writes what Django's widget templates write:
every widget kind, with any attributes, values and choices, both ways, the same string; and
whole pages that carry forms are the same under either renderer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test import Client, override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.web.renderer import FastWidgets
from tests.factories import register
from tests.helpers import act

FAST, TEMPLATES = FastWidgets(), DjangoTemplates()

# text that needs escaping, lazy translations, safe strings, numbers, None
texts = st.text(alphabet="ab <>&\"'中文\n", max_size=8)
values = st.one_of(
    st.none(),
    texts,
    st.integers(-2000, 2_000_000),
    st.just(gettext_lazy("投诉")),
    st.builds(mark_safe, st.just("<b>安全</b>")),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
attr_values = st.one_of(st.booleans(), texts, st.integers(0, 99), st.just(gettext_lazy("请选择")))
attrs = st.dictionaries(
    st.sampled_from(["class", "id", "placeholder", "required", "list", "data-x"]), attr_values
)
labels = st.one_of(texts, st.integers(0, 9999), st.just(gettext_lazy("单位")))
choice = st.tuples(st.one_of(texts, st.integers(0, 99)), labels)
choices = st.lists(st.one_of(choice, st.tuples(texts.filter(bool), st.lists(choice, max_size=3))), max_size=6)

INPUTS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.FileInput,
    forms.Textarea,
]


def both(widget: forms.Widget, name: str, value: Any) -> tuple[str, str]:
    return widget.render(name, value, renderer=FAST), widget.render(name, value, renderer=TEMPLATES)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(INPUTS), name=texts, value=values, extra=attrs)
def test_inputs_and_textareas_render_as_the_templates_do(kind: type[forms.Widget], name, value, extra):
    fast, templates = both(kind(attrs=extra), name, value)
    assert fast == templates


@settings(max_examples=150, deadline=None)
@given(name=texts, options=choices, value=values, extra=attrs, multiple=st.booleans())
def test_selects_render_as_the_templates_do(name, options, value, extra, multiple):
    widget = (forms.SelectMultiple if multiple else forms.Select)(attrs=extra, choices=options)
    fast, templates = both(widget, name, [value] if multiple else value)
    assert fast == templates


def test_a_radio_list_still_goes_through_its_templates():
    widget = forms.RadioSelect(choices=[("1", "满意"), ("2", "<不满意>")])
    fast, templates = both(widget, "satisfaction", "2")
    assert fast == templates and 'value="2"' in fast and "&lt;不满意&gt;" in fast


@pytest.fixture
def template_renderer() -> Iterator[None]:
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        get_default_renderer.cache_clear()
        yield
    get_default_renderer.cache_clear()


def _page(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "(csrf token)", html)  # masked anew on every page


def test_pages_with_forms_are_the_same_under_either_renderer(users, request):
    ticket = register(users["agent"], subject="电饭煲不加热 <b>", category="product.quality")
    act(ticket, "accept", users["agent"], comment="受理")
    client = Client()
    client.force_login(users["coordinator"])
    urls = [f"/tickets/{ticket.number}/", "/intake/", "/work/"]
    get_default_renderer.cache_clear()
    assert isinstance(get_default_renderer(), FastWidgets)
    fast = [_page(client, url) for url in urls]
    request.getfixturevalue("template_renderer")
    assert type(get_default_renderer()) is DjangoTemplates
    templates = [_page(client, url) for url in urls]
    for url, a, b in zip(urls, fast, templates, strict=True):
        assert "<select" in a or "<input" in a, url
        assert a == b, url
