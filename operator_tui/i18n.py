"""The UI's languages: gettext catalogs and locale formatting (Babel).

Messages are written in English in the code and translated through the
``operator_tui`` gettext domain: ``locale/zh/LC_MESSAGES/operator_tui.po`` is
the source, the ``.mo`` beside it is compiled from it by
``scripts/compile_catalogs`` (tests check that it is up to date and that every
message in the code has a Chinese translation). English needs no catalog.

* :func:`_`, :func:`ngettext`, :func:`pgettext` translate now, into the
  current language; use ``.format()`` after translating, never an f-string
  inside ``_()``.
* :func:`N_` only marks a message for extraction (module constants, Binding
  descriptions, column titles...): translate it with ``_()`` where it is shown.
  :func:`lazy_gettext` gives an object that translates whenever it is turned
  into a string (for code that calls ``str()`` on it; Textual widgets need
  real strings, so prefer ``N_`` + ``_()`` there).
* :func:`set_language` switches the whole process (one operator per app);
  :func:`current_language` says which one is in use.
* ``format_*``: dates, times, numbers and deadlines in the current language
  ("11月29日 14:05" / "29 Nov 14:05", "剩余2小时5分" / "2 h 5 min left").

Nothing is loaded at import time: a catalog is read on first use.
"""

from __future__ import annotations

import gettext as _gettext
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh", "en")  # the UI's languages; the first is the default
DEFAULT_LANGUAGE = "zh"
DOMAIN = "operator_tui"
LOCALE_DIR = Path(__file__).parent / "locale"
# The Babel (CLDR) locale each UI language formats with.
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}  # each in itself, for the language switch

_current = DEFAULT_LANGUAGE


# --- language --------------------------------------------------------------------


def normalize_language(value: str) -> str:
    """``zh``/``en`` for a language tag (``zh-CN``, ``zh_Hans``, ``EN``...).

    Raises ValueError for a language the UI does not speak.
    """
    tag = str(value or "").strip().replace("_", "-").lower()
    primary = tag.split("-", 1)[0]
    if primary not in LANGUAGES:
        raise ValueError(f"unknown UI language {value!r}: use one of {', '.join(LANGUAGES)}")
    return primary


def set_language(language: str) -> str:
    """Use *language* for every message and format from now on; returns it."""
    global _current
    _current = normalize_language(language)
    return _current


def current_language() -> str:
    """The language in use: ``zh`` or ``en``."""
    return _current


def other_language(language: str | None = None) -> str:
    """The UI language that is not *language* (default: the current one)."""
    language = language or _current
    return next(lang for lang in LANGUAGES if lang != language)


def babel_locale(language: str | None = None) -> str:
    return BABEL_LOCALES[language or _current]


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of *language* (English: the messages themselves).

    Read with the standard library's .mo reader: Babel (its import alone
    took 15-40 ms before the first frame) is only for formatting dates and
    numbers, which it does when one is first shown."""
    if language == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, str(LOCALE_DIR), [language], fallback=True)


# --- translating -------------------------------------------------------------------


def _(message: str) -> str:
    """*message* in the current language."""
    return translations(_current).gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for *n*, in the current language."""
    return translations(_current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """*message* in *context* (the same English word meaning two things)."""
    return translations(_current).pgettext(context, message)


def N_(message: str) -> str:
    """Mark *message* for the catalog without translating it (translate it
    with ``_()`` where it is shown)."""
    return message


def NP_(context: str, message: str) -> tuple[str, str]:
    """Mark *message* in *context* for the catalog; translate the pair with
    ``pgettext(*pair)`` where it is shown."""
    return (context, message)


def lazy_gettext(message: str) -> Any:
    """A proxy that translates *message* each time it is used as a string."""
    from babel.support import LazyProxy

    return LazyProxy(_, message, enable_cache=False)


def has_translation(message: str, language: str | None = None) -> bool:
    """True when *language* (default: current) has its own text for *message*."""
    language = language or _current
    if language == "en":
        return True
    catalog = getattr(translations(language), "_catalog", {})
    return bool(catalog.get(message))


def translate_in(language: str, message: str) -> str:
    """*message* in *language*, whatever the current language is."""
    return translations(normalize_language(language)).gettext(message)


# --- formatting ----------------------------------------------------------------------


def _skeleton(skeleton: str, moment: datetime | date, locale: str) -> str:
    """Babel's skeleton format, remembered (work lists format the same
    minutes over and over). The key holds the wall time and its offset:
    equal instants in two zones are different texts."""
    if isinstance(moment, datetime):
        return _skeleton_at(skeleton, moment.replace(tzinfo=None), moment.utcoffset(), locale)
    return _skeleton_at(skeleton, moment, None, locale)


@lru_cache(maxsize=4096)
def _skeleton_at(skeleton: str, wall: datetime | date, offset: timedelta | None, locale: str) -> str:
    from babel.dates import format_skeleton

    return format_skeleton(skeleton, wall, locale=locale)


def format_time(moment: datetime) -> str:
    """``14:05`` (24-hour clock in both languages: CLDR's ``Hm`` for zh_Hans_CN
    and en_GB, without loading Babel for the status bar's and lists' clocks)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_day(moment: datetime | date) -> str:
    """``11月29日`` / ``29 Nov``."""
    return _skeleton("MMMd", moment, babel_locale())


def format_date(moment: datetime | date) -> str:
    """``2025年11月29日`` / ``29 Nov 2025``."""
    return _skeleton("yMMMd", moment, babel_locale())


def format_date_numeric(moment: datetime | date) -> str:
    """``2025/11/29`` / ``29/11/2025`` (compact, for narrow lists)."""
    return _skeleton("yMd", moment, babel_locale())


def format_day_numeric(moment: datetime | date) -> str:
    """``11/29`` / ``29/11`` (compact, for narrow lists)."""
    return _skeleton("Md", moment, babel_locale())


def format_datetime_short(moment: datetime) -> str:
    """``11月29日 14:05`` / ``29 Nov 14:05`` (the moment's own time zone)."""
    return f"{format_day(moment)} {format_time(moment)}"


def format_datetime(moment: datetime) -> str:
    """``2025年11月29日 14:05`` / ``29 Nov 2025 14:05``."""
    return f"{format_date(moment)} {format_time(moment)}"


def format_number(value: float | int) -> str:
    """``12,345`` / ``12,345.5`` with the locale's separators."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=babel_locale())


def format_percent(ratio: float, decimals: int = 1) -> str:
    """``97.3%`` for 0.973."""
    from babel.numbers import format_percent as _format_percent

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return _format_percent(ratio, format=pattern, locale=babel_locale())


def _seconds(value: float | timedelta) -> int:
    return int(value.total_seconds() if isinstance(value, timedelta) else value)


def format_duration(value: float | timedelta) -> str:
    """A duration in at most two units: ``2 h 5 min`` / ``2小时5分``,
    ``3 d 4 h`` / ``3天4小时``, ``12 min`` / ``12分钟``, ``45 s`` / ``45秒``."""
    s = abs(_seconds(value))
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    n = format_number
    if days:
        if hours:
            return _("{d} d {h} h").format(d=n(days), h=hours)
        return _("{d} d").format(d=n(days))
    if hours:
        if minutes:
            return _("{h} h {m} min").format(h=hours, m=minutes)
        return _("{h} h").format(h=hours)
    if minutes:
        return _("{m} min").format(m=minutes)
    return _("{s} s").format(s=seconds)


def format_time_left(deadline: datetime, now: datetime) -> str:
    """``2 h 5 min left`` / ``剩余2小时5分``; ``overdue by 10 min`` / ``已超时10分钟``."""
    left = (deadline - now).total_seconds()
    if left >= 60:
        return _("{duration} left").format(duration=format_duration(left))
    if left >= 0:
        return _("less than a minute left")
    return _("overdue by {duration}").format(duration=format_duration(max(60.0, -left)))


def format_deadline(deadline: datetime, now: datetime) -> str:
    """``11月29日 14:05（剩余2小时5分）`` / ``29 Nov 14:05 (2 h 5 min left)``:
    the deadline in *deadline*'s time zone and the time left from *now*."""
    return _("{when} ({left})").format(when=format_datetime_short(deadline),
                                       left=format_time_left(deadline, now))


def language_name(code: str, language: str | None = None) -> str:
    """The name of language *code* (``ja``) in the UI language: ``日语`` / ``Japanese``."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(babel_locale(language))
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def endonym(code: str) -> str:
    """Language *code* in itself: ``日本語``, ``Русский``."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]


__all__ = [
    "LANGUAGES", "NP_", "N_", "_", "babel_locale", "current_language", "endonym", "format_date",
    "format_date_numeric", "format_datetime", "format_datetime_short", "format_day", "format_day_numeric", "format_deadline", "format_duration",
    "format_number", "format_percent", "format_time", "format_time_left", "gettext", "has_translation",
    "language_name", "lazy_gettext", "ngettext", "normalize_language", "other_language", "pgettext",
    "set_language", "translate_in",
]
