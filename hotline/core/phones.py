"""Phone numbers: one parser for every door (intake, portal, API, blocklist, caller lookup).

Numbers are parsed and validated with Google's ``phonenumbers`` (its metadata knows which
mobile prefixes and area codes exist), and stored in ONE form, E.164: ``+8613255550002``,
``+861012345678``. Everything people type for the same number gives the same stored value:
``13255550002``, ``132 5555 0002``, ``+86 132-5555-0002``, ``8613255550002``, ``0086…``,
``+0086…``, full-width digits; ``010-12345678``, ``(010)12345678``, ``0755 1234 5678``.

Decisions (documented here because every caller relies on them):

- **Mainland China only**: mobile and fixed-line numbers (``+86``). Other countries and
  regions, ``400``/``800`` company numbers and service numbers (``12345``, ``95588``,
  ``10086``) are refused: none of them reaches the person who raised the matter.
- **Extensions** (``010-12345678-123``, ``010-12345678转123``, ``分机``, ``ext``, ``x``,
  ``#``) are kept on fixed lines, written as RFC 3966 does: ``+861012345678;ext=123``. The
  agent needs the extension to call back, and a switchboard's number alone is not one
  person, so lookups match the whole value. A mobile number has no extensions: one typed
  with an extension is refused (usually a slip, or a way round the blocklist).
- The **line** (``phone_line``) is the number without its extension: what a caller ID
  shows and what the blocklist stores and matches, so no extension or format gets round it.
- An empty value stays empty: whether a number is required is the caller's rule.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from hotline.core.errors import InvalidInput

REGION = "CN"
MAX_INPUT_LENGTH = 40  # longer than any way of typing a number with an extension
EXTENSION_MARK = ";ext="

_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－（）　．", "0123456789+-() .")
_EXTENSION = re.compile(
    r"^(?P<line>.*?)\s*(?:;ext=|转|分机|ext\.?|x|#)\s*(?P<ext>[0-9]{1,6})$", re.IGNORECASE
)
_DASH_EXTENSION = re.compile(r"^(?P<line>.*[0-9])\s*-\s*(?P<ext>[0-9]{1,6})$")
# only what people type around the digits: phonenumbers would read letters as a keypad's
# (``13255550abc`` → ``13255550222``)
_LINE_CHARS = re.compile(r"[0-9+\-(). ]+")
_STORED = re.compile(r"\+86[0-9]{5,13}(?:;ext=[0-9]{1,6})?")
_PERSONAL_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

MESSAGE_INVALID = "电话号码格式不正确:请填写11位手机号码,或带区号的固定电话(如 010-12345678)"
MESSAGE_AREA_CODE = "固定电话请加区号,如 010-12345678、0755-12345678"
MESSAGE_SERVICE = "服务号码(如 12345、95588)不能作为联系电话,请填写手机号码或带区号的固定电话"
MESSAGE_FOREIGN = "仅支持中国大陆的手机号码或固定电话;境外号码请写在诉求内容中"
MESSAGE_COMPANY = "400、800 等企业服务号码不能作为联系电话,请填写手机号码或带区号的固定电话"
MESSAGE_MOBILE_EXTENSION = "手机号码没有分机号,请去掉分机部分"


@dataclass(frozen=True)
class _Parsed:
    line: PhoneNumber  # without extension
    extension: str

    @property
    def mobile(self) -> bool:
        return phonenumbers.number_type(self.line) == PhoneNumberType.MOBILE


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_phone", field=field)


def _number(text: str) -> PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _why_not(line: str, field: str) -> InvalidInput:
    """The most helpful refusal for a line that is not a valid personal number."""
    digits = re.sub(r"[^0-9]", "", line)
    number = _number(line)
    if number is not None:  # valid, but not a mainland mobile or fixed line
        if phonenumbers.region_code_for_number(number) != REGION:
            return _invalid(MESSAGE_FOREIGN, field)
        return _invalid(MESSAGE_COMPANY, field)
    if not line.lstrip().startswith("+") and 5 <= len(digits) <= 6:
        try:
            short = phonenumbers.parse(digits, REGION)
        except NumberParseException:  # pragma: no cover - digits always parse
            short = None
        if short is not None and phonenumbers.is_valid_short_number_for_region(short, REGION):
            return _invalid(MESSAGE_SERVICE, field)
    if len(digits) in (7, 8) and digits[0] not in "01":
        return _invalid(MESSAGE_AREA_CODE, field)
    return _invalid(MESSAGE_INVALID, field)


def _parse(raw: str, field: str) -> _Parsed | None:
    """None for blank input; raises ``InvalidInput`` (``invalid_phone``) for anything else
    that is not a mainland mobile or fixed-line number."""
    text = (raw or "").translate(_FULL_WIDTH).strip()
    if not text:
        return None
    if len(text) > MAX_INPUT_LENGTH:
        raise _invalid(MESSAGE_INVALID, field)
    extension = ""
    marked = _EXTENSION.match(text)
    if marked:
        text, extension = marked["line"], marked["ext"]
    if not _LINE_CHARS.fullmatch(text):
        raise _invalid(MESSAGE_INVALID, field)
    number = _number(text)
    if number is None and not extension:
        # ``010-12345678-123``: invalid as one long number, valid as a line and an extension
        dashed = _DASH_EXTENSION.match(text)
        line = _number(dashed["line"]) if dashed else None
        if dashed and line is not None:
            number, text, extension = line, dashed["line"], dashed["ext"]
    if (
        number is None
        or phonenumbers.region_code_for_number(number) != REGION
        or phonenumbers.number_type(number) not in _PERSONAL_TYPES
    ):
        raise _why_not(text, field)
    number.extension = None
    return _Parsed(line=number, extension=extension)


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """The stored form of a phone number as typed: ``"132 5555 0002"`` → ``"+8613255550002"``.

    ``""`` for blank input. Raises ``InvalidInput`` (code ``invalid_phone``, ``field``) with
    a readable Chinese message for anything that is not a mainland mobile or fixed-line
    number. Idempotent: a stored value normalises to itself.
    """
    parsed = _parse(raw, field)
    if parsed is None:
        return ""
    if parsed.extension and parsed.mobile:
        raise _invalid(MESSAGE_MOBILE_EXTENSION, field)
    line = phonenumbers.format_number(parsed.line, PhoneNumberFormat.E164)
    return f"{line}{EXTENSION_MARK}{parsed.extension}" if parsed.extension else line


def phone_line(raw: str) -> str:
    """The line a number belongs to, without any extension (``+861012345678``), for the
    blocklist; ``""`` when ``raw`` is blank or not a valid number. Never raises, so checks
    on a caller's number are lenient where ``normalise_phone`` refuses."""
    try:
        parsed = _parse(raw, "phone")
    except InvalidInput:
        return ""
    return "" if parsed is None else phonenumbers.format_number(parsed.line, PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)
def _stored(value: str) -> _Parsed | None:
    """A stored value parsed back; None for anything else (old unparseable data, masks).
    Remembered per process (parsing is most of a number's formatting, and a page formats
    the same few numbers again and again); callers only read what it gives."""
    if not _STORED.fullmatch(value):
        return None
    try:
        return _parse(value, "phone")
    except InvalidInput:
        return None


def is_mobile(stored: str) -> bool:
    """Whether a stored number is a mainland mobile (takes text messages); False for fixed
    lines and for anything that is not a stored number."""
    parsed = _stored(stored.strip())
    return parsed is not None and parsed.mobile


def national_number(stored: str) -> str:
    """The digits dialled inside China, without the extension: ``+8613812345678`` →
    ``13812345678``, ``+861012345678`` → ``01012345678`` (for SMS gateways and masks).
    Anything that is not a stored number comes back unchanged."""
    parsed = _stored(stored.strip())
    if parsed is None:
        return stored
    return re.sub(r"[^0-9]", "", phonenumbers.format_number(parsed.line, PhoneNumberFormat.NATIONAL))


def format_phone(stored: str) -> str:
    """A stored number for reading: ``132 5555 0002``, ``010-1234 5678``,
    ``0755-1234 5678 转 123``. Anything that is not a stored number (old data kept as it was
    typed, a masked value) comes back unchanged."""
    parsed = _stored(stored.strip())
    if parsed is None:
        return stored
    text = phonenumbers.format_number(parsed.line, PhoneNumberFormat.NATIONAL)
    if not parsed.mobile:
        text = text.replace(" ", "-", 1)  # the area code, as it is written in China
    return f"{text} 转 {parsed.extension}" if parsed.extension else text
