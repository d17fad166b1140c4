"""Bytes and headers of a mail as text, whatever charset the sender's client claimed.

Chinese mail is often not what it says: ``gb2312`` is declared by clients that write GBK
or GB18030 (names with 镕, 喆, 堃 do not exist in GB2312), and old clients put raw GBK bytes
into headers without RFC 2047 encoding. So the GB family is always decoded as GB18030 (a
superset of GB2312 and GBK), bytes without a charset are tried as UTF-8 and then GB18030,
and a charset nobody knows falls back the same way. Nothing here raises on bad input: what
cannot be decoded becomes U+FFFD and the rest of the text is kept.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
from email import quoprimime
from email.header import Header, decode_header
from html.parser import HTMLParser
from typing import Final

# Every name of the GB family (and Windows' code page 936) is read as GB18030.
GB_FAMILY: Final = frozenset(
    {
        "gb2312",
        "gbk",
        "gb18030",
        "cp936",
        "ms936",
        "x-gbk",
        "euc-cn",
        "euccn",
        "csgb2312",
        "gb_2312-80",
        "chinese",
    }
)
# What an unlabelled or mislabelled text is tried as, in order.
FALLBACKS: Final = ("utf-8", "gb18030")


def charset_for(declared: str | None) -> str | None:
    """The codec to read ``declared`` with: GB18030 for the GB family, Python's name for a
    known charset, None when there is none or Python does not know it."""
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    if name in GB_FAMILY or name.startswith("gb2312") or name.startswith("gbk"):
        return "gb18030"
    if name in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
        return None  # ASCII declared on 8-bit bytes is a lie as often as not: try the fallbacks
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """``data`` as text: the declared charset (GB family as GB18030), else UTF-8, else
    GB18030; failing all, the first that applies with U+FFFD for what does not decode."""
    first = charset_for(declared)
    tried = [first] if first else []
    tried += [c for c in FALLBACKS if c not in tried]
    for codec in tried:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(tried[0], errors="replace")


# An RFC 2047 encoded word: =?charset?B|Q?payload?= (an RFC 2231 language tag may follow "*").
_WORD: Final = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding.lower() == "b":
            return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False)
        return quoprimime.header_decode(payload).encode("latin-1")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _decode_words(text: str) -> str:
    """``text`` with its encoded words decoded. Adjacent words of one charset are joined as
    bytes first (clients split a character's bytes across words); a word that does not
    decode stays as written; whitespace between two words goes (RFC 2047 §6.2)."""
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset))
        pending, pending_charset = [], None

    for match in _WORD.finditer(text):
        between = text[pos : match.start()]
        data = _word_bytes(match.group(2), match.group(3))
        charset = match.group(1).lower()
        joinable = bool(pending) and not between.strip()  # only whitespace since the last word
        if data is None:
            flush()
            out.append(_unescape(between) + match.group(0))
        elif joinable and charset == pending_charset:
            pending.append(data)
        else:
            flush()
            if not joinable:
                out.append(_unescape(between))
            pending, pending_charset = [data], charset
        pos = match.end()
    flush()
    out.append(_unescape(text[pos:]))
    return "".join(out)


def decode_header_value(value: str | Header | None) -> str:
    """A header as one line of text: RFC 2047 encoded words and raw 8-bit bytes decoded
    (``compat32`` keeps raw bytes as surrogate escapes, or as a ``Header`` of
    ``unknown-8bit``), folding removed. Never raises."""
    if value is None:
        return ""
    if isinstance(value, Header):
        parts: list[str] = []
        for chunk, charset in decode_header(value):
            parts.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else _unescape(chunk))
        text = "".join(parts)
    else:
        text = str(value)
    text = _decode_words(re.sub(r"\r?\n[ \t]", " ", text))
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text).strip()  # no control characters (NUL)


def _unescape(text: str) -> str:
    """Raw 8-bit bytes that the parser kept as surrogate escapes, decoded as bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML body: blocks on their own lines, scripts and styles gone."""

    BLOCKS: Final = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr"}
    )
    HIDDEN: Final = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def text_of_html(markup: str) -> str:
    """The readable text of an HTML mail body (never markup: it is stored as plain text)."""
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # the parser is lenient; this is for the pathological rest
        text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return tidy(text)


def tidy(text: str) -> str:
    """Line ends as ``\\n``, trailing spaces and runs of blank lines gone, NULs dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
