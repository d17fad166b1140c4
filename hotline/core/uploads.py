"""What an uploaded file really is: its bytes must be of the type its name claims.

The allow-list is ``settings.HOTLINE_ATTACHMENT_TYPES`` (extension → MIME type); a name is
only a claim, and HTML or SVG named ``.jpg`` would otherwise be kept and handed out as an
image. So the content is checked too:

- binary types by their signature, with ``filetype`` (a maintained pure-Python detector);
  the container formats it cannot always pin down from the first bytes are checked on
  their structure instead: an OLE2 compound file for ``.doc``/``.xls``/``.ppt``, a ZIP
  with the Office Open XML parts for ``.docx``/``.xlsx``/``.pptx``;
- text types (``.txt``, ``.csv``) must decode as text — UTF-8 (with or without a BOM),
  UTF-16 with a BOM, or GB18030 — with no NUL or other control bytes, and carry no HTML,
  SVG or XML markup (a browser that sniffs could run it).

An extension on the allow-list without a rule here is a configuration error
(``hotline.core.checks``, ``hotline.E002``), never a free pass.
"""

from __future__ import annotations

import re
import zipfile
from typing import IO, Final

import filetype

# extension → the ``filetype`` kinds (their ``extension``) its content may be
SIGNATURES: Final[dict[str, frozenset[str]]] = {
    ".jpg": frozenset({"jpg"}),
    ".jpeg": frozenset({"jpg"}),
    ".png": frozenset({"png", "apng"}),
    ".gif": frozenset({"gif"}),
    ".bmp": frozenset({"bmp"}),
    ".webp": frozenset({"webp"}),
    ".tif": frozenset({"tif"}),
    ".tiff": frozenset({"tif"}),
    ".heic": frozenset({"heic"}),
    ".pdf": frozenset({"pdf"}),
    ".rtf": frozenset({"rtf"}),
    ".doc": frozenset({"doc", "xls", "ppt"}),
    ".xls": frozenset({"doc", "xls", "ppt"}),
    ".ppt": frozenset({"doc", "xls", "ppt"}),
    ".docx": frozenset({"docx"}),
    ".xlsx": frozenset({"xlsx"}),
    ".pptx": frozenset({"pptx"}),
    ".mp3": frozenset({"mp3"}),
    ".wav": frozenset({"wav"}),
    ".amr": frozenset({"amr"}),
    ".m4a": frozenset({"m4a", "mp4"}),
    ".aac": frozenset({"aac", "m4a"}),
    ".mp4": frozenset({"mp4", "m4v", "mov", "3gp"}),
    ".mov": frozenset({"mov", "mp4"}),
    ".3gp": frozenset({"3gp", "mp4"}),
}
TEXT_TYPES: Final = frozenset({".txt", ".csv"})
OLE2_TYPES: Final = frozenset({".doc", ".xls", ".ppt"})
OOXML_PARTS: Final = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEAD_BYTES = 8192  # what ``filetype`` reads
# Markup a browser would render or run: anywhere in a text file ...
_MARKUP = re.compile(
    r"<\s*(?:script|iframe|frame|frameset|svg|html|head|body|object|embed|applet|meta|link|style|"
    r"base|form|math|\?xml|!doctype)\b|<!\[cdata\[",
    re.IGNORECASE,
)
# ... and, at its start, what the WHATWG MIME sniffing rules take for HTML.
_HTML_START = re.compile(
    r"\s*<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)"
    r"(?:[\s>/]|$)",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def has_content_rule(ext: str) -> bool:
    """True when the content of files named ``*{ext}`` can be checked here."""
    return ext in SIGNATURES or ext in TEXT_TYPES


def content_matches(ext: str, stream: IO[bytes]) -> bool:
    """True when the bytes of ``stream`` are of the type of extension ``ext`` (``.jpg``).

    Reads from the start and leaves the stream at its start. An extension without a rule
    never matches.
    """
    try:
        stream.seek(0)
        if ext in TEXT_TYPES:
            return _is_plain_text(stream.read())
        if ext not in SIGNATURES:
            return False
        head = stream.read(_HEAD_BYTES)
        kind = filetype.guess(head) if head else None
        if kind is not None and kind.extension in SIGNATURES[ext]:
            return ext not in OOXML_PARTS or _is_ooxml(stream, OOXML_PARTS[ext])
        if ext in OLE2_TYPES:
            return head.startswith(_OLE2_MAGIC)
        if ext in OOXML_PARTS:
            return _is_ooxml(stream, OOXML_PARTS[ext])
        if ext == ".mp3":
            return _is_mpeg_audio_frame(head)
        return False
    finally:
        stream.seek(0)


def _is_ooxml(stream: IO[bytes], part: str) -> bool:
    """A ZIP holding ``[Content_Types].xml`` and the application's folder (``word/``).

    Only the archive's directory is read: nothing is decompressed.
    """
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith(part) for name in names)


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MP3 without an ID3 tag starts with an MPEG audio frame: 11 sync bits, layer III."""
    return len(head) >= 4 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] >> 1) & 0x03 == 1


def decode_text(data: bytes) -> str | None:
    """``data`` as text (UTF-8, UTF-16 with a BOM, or GB18030), or None when it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _is_plain_text(data: bytes) -> bool:
    text = decode_text(data)
    if text is None or _CONTROL.search(text):
        return False
    return not (_HTML_START.match(text) or _MARKUP.search(text))
