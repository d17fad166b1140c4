"""Which form fields of a page have no label (a ``<label for>``, a wrapping ``<label>``,
``aria-label`` or ``aria-labelledby``): screen readers and tests find fields by it."""

from __future__ import annotations

from html.parser import HTMLParser


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labelled.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.fields.append({**a, "_wrapped": "1" if self.in_label else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


def unlabelled(html: str) -> list[str]:
    """The names (or ids) of the visible fields nobody labels."""
    parser = _Fields()
    parser.feed(html)
    return [
        str(f.get("name") or f.get("id"))
        for f in parser.fields
        if not (
            f["_wrapped"] or f.get("aria-label") or f.get("aria-labelledby") or f.get("id") in parser.labelled
        )
    ]
