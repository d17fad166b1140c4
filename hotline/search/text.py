"""Text for the index and for the search box: normalising, lexemes, terms and snippets.

One rule on both sides, so what was indexed is what a query looks for:

- ``normalise`` folds full-width forms (NFKC: ``１３８`` → ``138``), drops control characters
  and collapses whitespace. Case is kept for display; matching ignores it (ILIKE / LIKE,
  lower-cased lexemes).
- A document's *lexemes* (``lexemes``) are the words rjieba's search mode cuts from its Chinese
  runs, plus every single Han character and every pair of adjacent ones (bigrams). The
  bigrams are what make recall exact: a segmenter cuts 南京市长江大桥 as 南京市 / 长江大桥
  and never yields 市长, but 市长 is a bigram of the run, so a search for it still finds the
  ticket. A query term needs all its bigrams (``term_lexemes``) — a superset of the tickets
  containing it — and the database then keeps only those whose text contains the whole
  term (``ILIKE '%term%'``): exactly what a ``LIKE`` scan finds.
- Letters, digits and punctuation (numbers, phones, licences, house numbers) are not
  lexemes: they are found as substrings by trigram indexes (``pg_trgm`` on PostgreSQL, the
  FTS5 ``trigram`` tokenizer on SQLite) — a fragment needs three characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import rjieba
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Han ideographs: CJK Unified (+ extension A), compatibility ideographs, extensions B–F.
_HAN: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
HAN_RUN: Final = re.compile(f"[{_HAN}]+")
_HAN_CHAR: Final = re.compile(f"[{_HAN}]")
# control characters and private-use code points never reach the index or a query
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ue000-\uf8ff]")
_SPACE: Final = re.compile(r"[^\S\n]+")

MAX_TERMS: Final = 8
MAX_QUERY: Final = 100
MIN_FRAGMENT: Final = 3  # trigram indexes need three characters of a non-Han fragment


def normalise(text: str) -> str:
    """Full-width folded, control characters dropped, runs of spaces made one (newlines kept:
    they separate a document's fields)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _SPACE.sub(" ", text).strip(" ")


def one_line(text: str) -> str:
    """A field's value as one line of a document (its own newlines become spaces)."""
    return _SPACE.sub(" ", normalise(text).replace("\n", " ")).strip()


def is_han(text: str) -> bool:
    return bool(_HAN_CHAR.search(text))


def lexemes(text: str) -> list[str]:
    """The lexemes of a document (sorted, unique, lower-cased): rjieba search-mode words
    that contain a Han character, and every Han character and Han bigram."""
    found: set[str] = set()
    for run in HAN_RUN.findall(text):
        found.update(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in rjieba.cut_for_search(text):
        word = word.strip().lower()
        if len(word) > 1 and HAN_RUN.fullmatch(word):
            found.add(word)
    return sorted(found)


def term_lexemes(term: str) -> list[str]:
    """The lexemes every document containing ``term`` has: its Han characters (one alone)
    or bigrams (a longer run). Empty when the term has no Han character."""
    need: set[str] = set()
    for run in HAN_RUN.findall(term):
        if len(run) == 1:
            need.add(run)
        else:
            need.update(run[i : i + 2] for i in range(len(run) - 1))
    return sorted(need)


def fragments(term: str) -> list[str]:
    """The non-Han parts of a term (``3号楼`` → ``3``): a trigram index can look up those
    of three characters or more."""
    return [part for part in HAN_RUN.split(term) if part.strip()]


@dataclass(frozen=True)
class Query:
    """A search box's text read as terms: each whitespace-separated term must occur."""

    text: str
    terms: tuple[str, ...]

    @property
    def lexemes(self) -> list[str]:
        return sorted({lexeme for term in self.terms for lexeme in term_lexemes(term)})

    @property
    def trigram_fragments(self) -> list[str]:
        """Non-Han fragments long enough for the trigram index (numbers, phones, codes)."""
        return sorted(
            {f.lower() for term in self.terms for f in fragments(term) if len(f.strip()) >= MIN_FRAGMENT}
        )


class QueryError(ValueError):
    """Why a search box's text cannot be searched; ``code`` is the API's problem code."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_query(text: str | None) -> Query:
    """The terms of ``text`` (at most ``MAX_TERMS``, each searchable by an index), or a
    ``QueryError``: empty (``search_query_empty``), too long (``search_query_too_long``), or
    with a term neither Han nor three characters long (``search_term_too_short``: a digit
    or two would be a scan of every ticket)."""
    raw = normalise(text or "").replace("\n", " ")
    if not raw.strip():
        raise QueryError("请输入要检索的内容", code="search_query_empty")
    if len(raw) > MAX_QUERY:
        raise QueryError(f"检索内容不能超过{MAX_QUERY}个字", code="search_query_too_long")
    terms: list[str] = []
    for term in raw.split():
        if term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise QueryError(f"检索词不能超过{MAX_TERMS}个", code="search_query_too_long")
    for term in terms:
        if not is_han(term) and len(term) < MIN_FRAGMENT:
            message = f"“{term}”太短:号码、编号等请至少输入{MIN_FRAGMENT}位"
            raise QueryError(message, code="search_term_too_short")
    return Query(text=raw.strip(), terms=tuple(terms))


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's wildcards in the term taken literally (``ESCAPE '\\'``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def tsquery(lexemes: Iterable[str]) -> str:
    """A ``to_tsquery('simple', …)`` text requiring every lexeme (quoted: no operator inside
    a lexeme is read as one)."""
    quoted = ("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)
    return " & ".join(quoted)


def fts5_query(lexemes: Iterable[str]) -> str:
    """An FTS5 MATCH text requiring every lexeme (each a quoted string)."""
    return " AND ".join('"' + lexeme.replace('"', '""') + '"' for lexeme in lexemes)


# ---------------------------------------------------------------------------------------
# snippets

SNIPPET_WIDTH: Final = 36  # characters of context around the first hit of a line


def _spans(line: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    lowered = line.lower()
    spans: list[tuple[int, int]] = []
    for term in terms:
        needle, start = term.lower(), 0
        while needle and (at := lowered.find(needle, start)) >= 0:
            spans.append((at, at + len(needle)))
            start = at + len(needle)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(line: str, terms: Sequence[str], *, width: int = SNIPPET_WIDTH) -> SafeString:
    """``line`` cut around its first hit, every hit in ``<mark>``, everything else escaped."""
    spans = _spans(line, terms)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    end = min(len(line), max(start + width, spans[0][1] if spans else 0) + width // 2)
    parts: list[str] = ["…"] if start > 0 else []
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(escape(line[at:s]))
        parts.append("<mark>" + escape(line[s:e]) + "</mark>")
        at = e
    parts.append(escape(line[at:end]))
    if end < len(line):
        parts.append("…")
    return mark_safe("".join(parts))  # every piece of text above went through escape()


def snippet(lines: Sequence[tuple[object, str]], terms: Sequence[str], *, most: int = 2) -> list[Snippet]:
    """Up to ``most`` labelled lines of a document that hold a hit, highlighted; the first
    line if none does (a hit can span no line only when the document changed since)."""
    hits = [(label, line) for label, line in lines if line and _spans(line, terms)]
    chosen = hits[:most] or [next(((label, line) for label, line in lines if line), ("", ""))]
    # labels may be lazy translations: only the chosen lines' are rendered
    return [Snippet(label=str(label), html=highlight(line, terms)) for label, line in chosen if line]


@dataclass(frozen=True)
class Snippet:
    label: str  # which field the line is (标题, 诉求内容, 答复 …)
    html: SafeString  # escaped text with ``<mark>`` around the hits
