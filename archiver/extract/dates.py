"""Dates as blogs show them: ISO, RFC 822, "January 2, 2006", "2006年1月2日", relative dates, timestamps.

Everything here is regex tables plus small builders; dateparser is only a cached last resort in `parse_date`.
The ISO value keeps the offset the page gave: the gold is the date a reader sees, never a converted instant.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlsplit

from archiver.extract.model import DateValue

# --- tables -------------------------------------------------------------------------------------------------

MIN_YEAR = 1995  # blogs older than this are vanishingly rare; earlier years are placeholders (0001, 1970)
MAX_FUTURE_DAYS = 2  # a post date later than now + this is a placeholder or a scheduled event, not a post

MONTH_NAMES: dict[str, int] = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "janv": 1, "févr": 2, "fevr": 2, "fév": 2, "avr": 4, "juil": 7, "déc": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12, "mär": 3, "okt": 10, "dez": 12,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12, "ene": 1, "abr": 4,
    "dic": 12,
    # Portuguese
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "novembro": 11, "dezembro": 12, "fev": 2,
    # Italian
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "settembre": 9,
    "ottobre": 10, "dicembre": 12, "mag": 5, "giu": 6, "lug": 7, "ott": 10,
    # Russian (nominative and genitive, the form used after a day number)
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7, "август": 8,
    "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7, "августа": 8,
    "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "авг": 8, "сен": 9, "сент": 9, "окт": 10, "нояб": 11,
    "ноя": 11, "дек": 12,
}  # fmt: skip

# Zone abbreviations that mean one offset only (CST, IST, BST are ambiguous and left out on purpose).
ZONE_OFFSETS: dict[str, int] = {
    "utc": 0, "gmt": 0, "z": 0, "ut": 0,
    "est": -300, "edt": -240, "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
    "cet": 60, "cest": 120, "eet": 120, "eest": 180, "jst": 540, "kst": 540, "hkt": 480, "sgt": 480,
    "aest": 600, "aedt": 660,
}  # fmt: skip

RELATIVE_UNIT_WORDS: dict[str, str] = {
    # canonical units: s, min, h, d, w, mo, y
    "second": "s", "seconds": "s", "sec": "s", "secs": "s", "s": "s",
    "minute": "min", "minutes": "min", "min": "min", "mins": "min", "m": "min",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "h": "h",
    "day": "d", "days": "d", "d": "d",
    "week": "w", "weeks": "w", "wk": "w", "wks": "w", "w": "w",
    "month": "mo", "months": "mo", "mo": "mo", "mos": "mo",
    "year": "y", "years": "y", "yr": "y", "yrs": "y", "y": "y",
    # French
    "seconde": "s", "secondes": "s", "heure": "h", "heures": "h", "jour": "d", "jours": "d",
    "semaine": "w", "semaines": "w", "mois": "mo", "an": "y", "ans": "y", "année": "y", "années": "y",
    # German
    "sekunde": "s", "sekunden": "s", "minuten": "min", "stunde": "h", "stunden": "h", "tag": "d",
    "tagen": "d", "woche": "w", "wochen": "w", "monat": "mo", "monaten": "mo", "jahr": "y", "jahren": "y",
    # Spanish / Portuguese
    "segundo": "s", "segundos": "s", "minuto": "min", "minutos": "min", "hora": "h", "horas": "h",
    "día": "d", "días": "d", "dia": "d", "dias": "d", "semana": "w", "semanas": "w", "mes": "mo",
    "meses": "mo", "mês": "mo", "año": "y", "años": "y", "ano": "y", "anos": "y",
    # Chinese / Japanese
    "秒": "s", "秒钟": "s", "秒鐘": "s", "分": "min", "分钟": "min", "分鐘": "min", "小时": "h", "小時": "h",
    "時間": "h", "天": "d", "日": "d", "周": "w", "週": "w", "週間": "w", "星期": "w", "个月": "mo",
    "個月": "mo", "ヶ月": "mo", "か月": "mo", "カ月": "mo", "ヵ月": "mo", "年": "y",
    # Korean
    "초": "s", "분": "min", "시간": "h", "일": "d", "주": "w", "개월": "mo", "달": "mo", "년": "y",
}  # fmt: skip

# Number words that stand for 1 in "an hour ago", "il y a un jour", "vor einem Tag", "hace un día".
ONE_WORDS = frozenset({"a", "an", "one", "un", "une", "einem", "einer", "ein", "uno", "una", "um", "uma"})

# Whole-text relative words: days before `now`.
RELATIVE_DAY_WORDS: dict[str, int] = {
    "today": 0, "just now": 0, "yesterday": 1,
    "今天": 0, "刚刚": 0, "剛剛": 0, "昨天": 1, "前天": 2,
    "今日": 0, "昨日": 1, "一昨日": 2, "おととい": 2,
    "오늘": 0, "방금": 0, "어제": 1, "그저께": 2,
    "aujourd'hui": 0, "hier": 1, "avant-hier": 2, "heute": 0, "gestern": 1, "vorgestern": 2,
    "hoy": 0, "ayer": 1, "anteayer": 2, "hoje": 0, "ontem": 1, "oggi": 0, "ieri": 1,
    "сегодня": 0, "вчера": 1, "позавчера": 2,
}  # fmt: skip

AM_WORDS = frozenset({"am", "a.m.", "a.m", "上午", "早上", "凌晨", "午前", "오전"})
PM_WORDS = frozenset({"pm", "p.m.", "p.m", "下午", "晚上", "午後", "오후"})
NOON_WORDS = frozenset({"中午"})

# UTC offsets in use run from -12:00 to +14:00, in steps of 15 minutes (Nepal is +05:45).
MIN_OFFSET_MINUTES = -12 * 60
MAX_OFFSET_MINUTES = 14 * 60
OFFSET_STEP_MINUTES = 15

# --- regex building blocks ----------------------------------------------------------------------------------


def _alternation(words: list[str] | set[str] | dict[str, object]) -> str:
    """A regex alternation of words, longest first so "janvier" wins over "jan"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Any word may stand where a month name goes; MONTH_NAMES decides after the match. One generic word class
# scans several times faster than an alternation of every month name in every language.
_MONTH_NAME = r"(?P<monthname>[^\W\d_]{3,11})"
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"
_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_ZONE_NAMES = _alternation({k for k in ZONE_OFFSETS if len(k) > 1})

# A time of day that may follow a date: "T15:04:05.123Z", " 15:04", ", 3:04 PM", " at 15:04 +0800", " 15:04 GMT".
_TIME_SUFFIX = rf"""
(?P<time>
  (?:\s*T|\s*,?\s+(?:at\s+|à\s+|um\s+|às\s+|a\s+las\s+|alle\s+|в\s+)?|\s*,\s*)
  (?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{1,2}})(?:[.,]\d{{1,9}})?)?(?![\d:])
  (?:\s?(?P<ampm>[ap]\.?m\.?){_NOT_LETTER_AFTER})?
  (?:\s?(?P<tz>
      z{_NOT_LETTER_AFTER}
    | (?:utc|gmt)?\s?(?P<offsign>[+\-−])(?P<offh>\d{{2}}):?(?P<offm>\d{{2}})(?!\d)
    | (?<=\d)(?P<offsign3>[+\-−])(?P<offh3>\d{{2}})(?![\d:])
    | (?:utc|gmt)(?P<offsign2>[+\-−])(?P<offh2>\d{{1,2}})(?!\d)
    | (?:{_ZONE_NAMES}){_NOT_LETTER_AFTER}
  ))?
)?
"""

# A time after a CJK date: "12:30", "12时30分", "下午3:04", "午後3時4分5秒", "오후 3시 4분".
_CJK_TIME_SUFFIX = r"""
(?P<time>
  \s*(?:[(（][^)）]{1,4}[)）]|星期.|週.|[月火水木金土日]曜日?|[월화수목금토일]요일)?
  \s*(?P<ampm>上午|下午|早上|晚上|凌晨|中午|午前|午後|오전|오후)?
  \s*(?P<hour>\d{1,2})\s*(?:[:：]|[时時点點시])\s*(?P<minute>\d{1,2})(?!\d)
  (?:(?:[:：]|\s*[分분]\s*)(?P<second>\d{1,2})\s*[秒초]?|\s*[分분])?
)?
"""

_FLAGS = re.IGNORECASE | re.VERBOSE


@dataclass(frozen=True, slots=True)
class DateRule:
    """One shape of written date: a compiled regex and how to read its day and month."""

    name: str
    pattern: re.Pattern[str]
    us_order: bool = False  # "first/second/year": month first unless the first number is over 12


DATE_RULES: tuple[DateRule, ...] = (
    # 2006-01-02, 2006/01/02, 2006.01.02, 2006-1-2 (+ time)
    DateRule(
        "ymd",
        re.compile(
            rf"(?<![\d.\-/])(?<![A-Za-z]){_YEAR}(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"
            rf"(?!\d)(?!(?P=sep)\d)(?!\.\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # 2006年1月2日, 2006 年 01 月 02 日 12:30, 2006년 1월 2일
    DateRule(
        "cjk",
        re.compile(
            rf"(?<!\d){_YEAR}\s*[年년]\s*(?P<month>\d{{1,2}})\s*[月월]\s*(?P<day>\d{{1,2}})(?!\d)\s*[日号號일]?"
            rf"{_CJK_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # Korean dotted: 2006. 1. 2.
    DateRule(
        "ymd-dotted-spaced",
        re.compile(
            rf"(?<![\d.]){_YEAR}\.\s+(?P<month>\d{{1,2}})\.\s*(?P<day>\d{{1,2}})(?!\d)\.?{_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # January 2, 2006 / Jan 2nd 2006 / Jan. 2, 2006 (+ time)
    DateRule(
        "month-day-year",
        re.compile(
            rf"{_NOT_LETTER_BEFORE}{_MONTH_NAME}\.?\s*(?P<day>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?\s*,?\s*{_YEAR}"
            rf"(?!\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # January, 2 of 2006 / January 2nd of 2006 (custom templates spelling the date out)
    DateRule(
        "month-day-of-year",
        re.compile(
            rf"{_NOT_LETTER_BEFORE}{_MONTH_NAME},?\s+(?P<day>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?\s+of\s+{_YEAR}"
            rf"(?!\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # 2 Jan 2006, 2 January 2006, 2. Januar 2006, 1er janvier 2006, 2 de enero de 2006, 02-Jan-2006 (+ time)
    DateRule(
        "day-month-year",
        re.compile(
            rf"(?<![\d.]){_NOT_LETTER_BEFORE}(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?[\s\-]*(?:de\s+)?"
            rf"{_MONTH_NAME}{_NOT_LETTER_AFTER}\.?,?[\s\-]*(?:de\s+)?{_YEAR}(?!\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # 2 1月, 2006 (WordPress "j F, Y" in Chinese or Japanese)
    DateRule(
        "day-cjkmonth-year",
        re.compile(
            rf"(?<![\d.])(?P<day>\d{{1,2}})\s*(?P<month>\d{{1,2}})\s*[月월]\s*,?\s*{_YEAR}(?!\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # 2006 Jan 2, 2006-Jan-02
    DateRule(
        "year-month-day",
        re.compile(
            rf"(?<!\d){_YEAR}[\s\-]+{_MONTH_NAME}{_NOT_LETTER_AFTER}\.?[\s\-]+(?P<day>\d{{1,2}})(?![\d:]){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # Tue Jan 28 15:28:56 CET 2020 (C's asctime and Unix `date`: the year after the time and the zone)
    DateRule(
        "asctime",
        re.compile(
            rf"{_NOT_LETTER_BEFORE}{_MONTH_NAME}\.?\s+(?P<day>\d{{1,2}})(?!\d)"
            rf"(?P<time>\s+(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?"
            rf"(?:\s+(?P<tz>{_ZONE_NAMES}){_NOT_LETTER_AFTER})?)\s+{_YEAR}(?!\d)",
            _FLAGS,
        ),
    ),
    # 02.01.2006 (European day.month.year)
    DateRule(
        "dmy-dotted",
        re.compile(
            rf"(?<![\d.]){_NOT_LETTER_BEFORE}(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.{_YEAR}(?![\d]|\.\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    # 01/02/2006, 01-02-2006 (US month/day unless the first number is over 12)
    DateRule(
        "numeric-year-last",
        re.compile(
            rf"(?<![\d/\-.]){_NOT_LETTER_BEFORE}(?P<num1>\d{{1,2}})(?P<sep>[/\-])(?P<num2>\d{{1,2}})(?P=sep)"
            rf"{_YEAR}(?![\d]|[/\-]\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
        us_order=True,
    ),
)

# Dates without a year ("May 9", "9 May", "5月9日", "05-31"): read only when the caller knows the year.
YEARLESS_RULES: tuple[DateRule, ...] = (
    DateRule(
        "month-day",
        re.compile(
            rf"{_NOT_LETTER_BEFORE}{_MONTH_NAME}\.?\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:.,/\-]\d|\d){_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    DateRule(
        "day-month",
        re.compile(
            rf"(?<![\d.]){_NOT_LETTER_BEFORE}(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s*(?:de\s+)?{_MONTH_NAME}"
            rf"{_NOT_LETTER_AFTER}\.?(?!\s*,?\s*\d)",
            _FLAGS,
        ),
    ),
    DateRule(
        "cjk-month-day",
        re.compile(
            rf"(?<!\d)(?P<month>\d{{1,2}})\s*[月월]\s*(?P<day>\d{{1,2}})\s*[日号號일]{_CJK_TIME_SUFFIX}",
            _FLAGS,
        ),
    ),
    DateRule(
        "padded-month-day",
        re.compile(r"(?<![\d.\-/:])(?P<month>[01]\d)(?P<sep>[-/])(?P<day>[0-3]\d)(?![\d:]|[-/.]\d)", _FLAGS),
    ),
)

_RELATIVE_NUMBER = rf"(?P<n>\d{{1,3}}|{_alternation(ONE_WORDS)})"
RELATIVE_RULES: tuple[re.Pattern[str], ...] = (
    # 3 days ago, an hour ago, 2h ago
    re.compile(
        rf"{_NOT_LETTER_BEFORE}{_RELATIVE_NUMBER}\s*(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?"
        rf"|wks?|months?|mos?|years?|yrs?|[smhdwy])\s+ago{_NOT_LETTER_AFTER}",
        re.IGNORECASE,
    ),
    # il y a 3 jours
    re.compile(
        rf"il\s+y\s+a\s+{_RELATIVE_NUMBER}\s+(?P<unit>secondes?|minutes?|heures?|jours?|semaines?|mois|ans?|années?)"
        rf"{_NOT_LETTER_AFTER}",
        re.IGNORECASE,
    ),
    # vor 3 Tagen
    re.compile(
        rf"{_NOT_LETTER_BEFORE}vor\s+{_RELATIVE_NUMBER}\s+(?P<unit>sekunden?|minuten?|stunden?|tag(?:en)?|wochen?"
        rf"|monat(?:en)?|jahr(?:en)?){_NOT_LETTER_AFTER}",
        re.IGNORECASE,
    ),
    # hace 3 días, há 3 dias
    re.compile(
        rf"{_NOT_LETTER_BEFORE}(?:hace|há)\s+{_RELATIVE_NUMBER}\s+(?P<unit>segundos?|minutos?|horas?|días?|dias?"
        rf"|semanas?|mes(?:es)?|mês|años?|anos?){_NOT_LETTER_AFTER}",
        re.IGNORECASE,
    ),
    # 3天前, 3 小时前, 3日前, 3時間前, 3ヶ月前
    re.compile(
        r"(?<!\d)(?P<n>\d{1,3})\s*(?P<unit>秒钟|秒鐘|秒|分钟|分鐘|分|小时|小時|時間|天|日|週間|周|週|星期|个月|個月|ヶ月|か月"
        r"|カ月|ヵ月|年)\s*(?:以前|之前|前)"
    ),
    # 3 일 전, 3시간 전
    re.compile(r"(?<!\d)(?P<n>\d{1,3})\s*(?P<unit>초|분|시간|일|주|개월|달|년)\s*전"),
)

# Labels that may precede a whole-text relative word ("Posted yesterday", "发布于 昨天").
_RELATIVE_WORD_TEXT = re.compile(
    rf"^\W*(?:(?:posted|published|updated|发表于|发布于|更新于|發表於|投稿日|작성일)\W*)?"
    rf"(?P<word>{_alternation(RELATIVE_DAY_WORDS)})"
    rf"(?:\W*(?:at\s+)?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*[ap]\.?m\.?)?)?\W*$",
    re.IGNORECASE,
)

_DIGIT = re.compile(r"\d")
# Every relative rule needs one of these words, so one cheap scan can rule them all out.
_RELATIVE_HINT = re.compile(r"ago|前|전|il\s+y\s+a|vor\s|hace|há\s", re.IGNORECASE)
# Every absolute rule needs a year, so texts without one skip them all.
_YEAR_HINT = re.compile(r"(?:19|20)\d\d")
RELATIVE_WORD_MAX_TEXT = 40  # "yesterday" inside longer prose is a word, not the post's date
_UNIX_TIMESTAMP = re.compile(r"^\s*(?P<ts>\d{10}|\d{13})\s*$")
_COMPACT_DATE = re.compile(r"^\s*(?P<year>(?:19|20)\d{2})(?P<month>\d{2})(?P<day>\d{2})\s*$")
_COMPACT_DATETIME = re.compile(
    r"^\s*(?P<year>(?:19|20)\d{2})(?P<month>\d{2})(?P<day>\d{2})(?P<time>T\d{2}:?\d{2}(?::?\d{2})?\S*)\s*$"
)
_LETTER = re.compile(r"[^\W\d_]")
DATEPARSER_MAX_LENGTH = 40  # longer strings are prose, not a date dateparser could read reliably

# --- public API ---------------------------------------------------------------------------------------------


def parse_date(text: str, source: str, *, now: datetime | None = None) -> DateValue | None:
    """Parse one date string (the whole string is a date); None when it is not a plausible post date."""
    if not text:
        return None
    now = _now(now)
    stripped = text.strip()
    if not stripped:
        return None
    found = (
        _timestamp(stripped, source, now)
        or _compact(stripped, source, now)
        or _absolute_in_text(stripped, source, now)
        or _relative_in_text(stripped, source, now)
        or _relative_word(stripped, source, now)
    )
    if found:
        return found
    if len(stripped) <= DATEPARSER_MAX_LENGTH and _YEAR_HINT.search(stripped) and _LETTER.search(stripped):
        iso = _dateparser_iso(stripped)
        if iso and _plausible(date.fromisoformat(iso), now):
            return DateValue(iso=iso, raw=stripped, source=source)
    return None


def find_date_in_text(
    text: str, source: str, *, now: datetime | None = None, default_year: int | None = None
) -> DateValue | None:
    """Find the first date inside a longer text ("Python 2026-01-11", "Posted on 3 Jan 2020 by X").

    `default_year` (from a year heading or the page's context) lets yearless dates like "May 9" or "05-31" count.
    """
    if not text:
        return None
    now = _now(now)
    found = _absolute_in_text(text, source, now) or _relative_in_text(text, source, now)
    if found is None and default_year is not None:
        found = _absolute_in_text(text, source, now, rules=YEARLESS_RULES, default_year=default_year)
    if found is None and len(text) <= RELATIVE_WORD_MAX_TEXT:
        return _relative_word(text, source, now)
    return found


# Post URLs that carry the publication day: /2020/01/02/, /2020/1/2/slug, /blog/2020-01-02-slug/, /2020_01_02,
# and the compact /20190607.html or /20190607-slug/ (eight digits standing alone in a path segment).
_URL_DATE_SEPARATED = re.compile(
    r"(?<![\d])((?:19|20)\d\d)([/_-])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?=$|[/_.-]|\D)"
)
_URL_DATE_COMPACT = re.compile(r"(?:^|/|[_-])((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=$|[/_.-])")


def date_in_url(url: str, *, now: datetime | None = None) -> DateValue | None:
    """The day a post URL (or its path) carries (`/2020/01/02/slug`, `/2020-01-02-slug`, `/20200102.html`), if
    any, source "url": a last resort for a post whose pages show no date (right for nearly every engine that writes
    one, but with no time and no offset)."""
    path = urlsplit(url).path if "://" in url else url
    if not _YEAR_HINT.search(path):
        return None
    now = _now(now)
    for pattern, groups in ((_URL_DATE_SEPARATED, (1, 3, 4)), (_URL_DATE_COMPACT, (1, 2, 3))):
        for match in pattern.finditer(path):
            if groups[1] == 3 and match.group(2) == "/" and path[match.end():match.end() + 1] not in ("", "/", "."):
                continue  # /2023/10/3-questions-for/: a day in a directory path is a whole segment
            year, month, day = (int(match.group(g)) for g in groups)
            if _valid_day(year, month, day) and _plausible(date(year, month, day), now):
                return DateValue(iso=date(year, month, day).isoformat(), raw=match.group(0).strip("/_-"), source="url")
    return None


def date_part(iso: str) -> str:
    """The calendar date of an ISO value as written: "2026-01-11T08:00:00+08:00" -> "2026-01-11"."""
    return iso[:10]


def offset_minutes(iso: str) -> int | None:
    """The UTC offset of an ISO datetime in minutes; None for a naive datetime or a date alone."""
    if len(iso) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    offset = moment.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def to_offset(iso: str, offset_minutes: int) -> str:
    """The same instant re-expressed at another UTC offset; naive and date-only values come back unchanged."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if len(iso) <= 10 or moment.tzinfo is None:
        return iso
    shifted = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    return shifted.replace(microsecond=0).isoformat()


def reconcile_dates(machine: DateValue | None, shown: DateValue | None) -> DateValue | None:
    """One date from a machine-readable value (often UTC) and the date the page shows; the shown day wins.

    Themes put `2022-09-08T05:39:28Z` in `datetime` while the reader sees 2022-09-07. When the shown text has a
    time of day, the difference gives the site's offset and the machine time is re-expressed in it.
    """
    if machine is None or shown is None:
        return machine or shown
    if date_part(machine.iso) == date_part(shown.iso):
        return (
            machine if len(machine.iso) > len(shown.iso) or offset_minutes(machine.iso) is not None else shown
        )
    machine_offset = offset_minutes(machine.iso)
    if machine_offset is None:
        return shown
    if len(shown.iso) > 10 and offset_minutes(shown.iso) is None:
        shown_clock = datetime.fromisoformat(shown.iso)
        machine_utc = datetime.fromisoformat(machine.iso).astimezone(UTC).replace(tzinfo=None)
        difference = (shown_clock - machine_utc).total_seconds() / 60
        site_offset = round(difference / OFFSET_STEP_MINUTES) * OFFSET_STEP_MINUTES
        if MIN_OFFSET_MINUTES <= site_offset <= MAX_OFFSET_MINUTES and abs(difference - site_offset) <= 2:
            return DateValue(iso=to_offset(machine.iso, site_offset), raw=machine.raw, source=machine.source)
    return shown


# --- cascade steps ------------------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _absolute_in_text(
    text: str,
    source: str,
    now: datetime,
    *,
    rules: tuple[DateRule, ...] = DATE_RULES,
    default_year: int | None = None,
) -> DateValue | None:
    """The earliest plausible written date in the text, over all rules."""
    if default_year is None and _YEAR_HINT.search(text) is None:
        return None
    best: tuple[int, int, DateValue] | None = None
    for rule in rules:
        position = 0
        while True:
            match = rule.pattern.search(text, position)
            if match is None or (best is not None and match.start() > best[0]):
                break
            value = _value_from_match(rule, match, source, now, default_year)
            if value is not None:
                key = (match.start(), -len(value.raw))
                if best is None or key < best[:2]:
                    best = (key[0], key[1], value)
                break
            position = match.start() + 1
    return best[2] if best else None


def _value_from_match(
    rule: DateRule, match: re.Match[str], source: str, now: datetime, default_year: int | None = None
) -> DateValue | None:
    groups = match.groupdict()
    year = int(groups["year"]) if groups.get("year") else default_year
    if year is None:
        return None
    if rule.us_order:
        first, second = int(groups["num1"]), int(groups["num2"])
        month, day = (second, first) if first > 12 else (first, second)
    else:
        day = int(groups["day"])
        name = groups.get("monthname")
        month = MONTH_NAMES.get(name.lower(), 0) if name else int(groups["month"])
    if not _valid_day(year, month, day):
        return None
    written = date(year, month, day)
    if not _plausible(written, now):
        return None
    iso = written.isoformat()
    raw_end = match.end()
    if groups.get("hour") is not None:
        clock = _clock(groups)
        if clock is None:
            raw_end = match.start("time")
        else:
            iso = f"{iso}T{clock}"
    return DateValue(iso=iso, raw=match.string[match.start() : raw_end].strip(), source=source)


def _clock(groups: dict[str, str | None]) -> str | None:
    """ "HH:MM:SS" plus the offset the text gives, or None when the numbers are not a time of day."""
    hour, minute = int(groups["hour"] or 0), int(groups["minute"] or 0)
    second = int(groups.get("second") or 0)
    meridiem = (groups.get("ampm") or "").lower().replace(" ", "")
    if meridiem:
        if meridiem in NOON_WORDS:
            hour = hour + 12 if hour < 11 else hour
        elif not 1 <= hour <= 12:
            if hour > 12 and meridiem not in AM_WORDS:
                pass  # "下午15:00": already a 24-hour clock
            else:
                return None
        elif meridiem.startswith("p") or meridiem in PM_WORDS:
            hour = hour % 12 + 12
        else:
            hour = hour % 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    clock = f"{hour:02d}:{minute:02d}:{second:02d}"
    offset = _offset_of(groups)
    if offset is not None:
        sign = "-" if offset < 0 else "+"
        clock += f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return clock


def _offset_of(groups: dict[str, str | None]) -> int | None:
    tz = groups.get("tz")
    if not tz:
        return None
    if groups.get("offh") is not None:
        minutes = int(groups["offh"]) * 60 + int(groups["offm"])
        sign = groups["offsign"]
    elif groups.get("offh3") is not None:
        minutes = int(groups["offh3"]) * 60
        sign = groups["offsign3"]
    elif groups.get("offh2") is not None:
        minutes = int(groups["offh2"]) * 60
        sign = groups["offsign2"]
    else:
        return ZONE_OFFSETS.get(tz.strip().lower())
    if minutes > MAX_OFFSET_MINUTES:
        return None
    return -minutes if sign in "-−" else minutes


def _relative_in_text(text: str, source: str, now: datetime) -> DateValue | None:
    """The earliest "3 days ago" / "3天前" / "il y a 3 jours" in the text, resolved against now."""
    if _RELATIVE_HINT.search(text) is None:
        return None
    best: tuple[int, re.Match[str]] | None = None
    for pattern in RELATIVE_RULES:
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), match)
    if best is None:
        return None
    match = best[1]
    number_text = match["n"].lower()
    count = 1 if number_text in ONE_WORDS else int(number_text)
    unit = RELATIVE_UNIT_WORDS.get(match["unit"].lower())
    if unit is None:
        return None
    resolved = _subtract(now, count, unit)
    if resolved is None or not _plausible(resolved, now):
        return None
    return DateValue(iso=resolved.isoformat(), raw=match.group(0).strip(), source=source)


def _relative_word(text: str, source: str, now: datetime) -> DateValue | None:
    """A text that is only "yesterday" / "昨天" / "today 12:30", resolved against now."""
    match = _RELATIVE_WORD_TEXT.match(text.strip())
    if match is None:
        return None
    days = RELATIVE_DAY_WORDS[match["word"].lower()]
    return DateValue(iso=(now.date() - timedelta(days=days)).isoformat(), raw=text.strip(), source=source)


def _subtract(now: datetime, count: int, unit: str) -> date | None:
    if unit in ("s", "min", "h", "d", "w"):
        seconds = {"s": 1, "min": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
        return (now - timedelta(seconds=count * seconds)).date()
    months = count * (12 if unit == "y" else 1)
    index = now.year * 12 + (now.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    if year < 1:
        return None
    return date(year, month, min(now.day, calendar.monthrange(year, month)[1]))


def _timestamp(text: str, source: str, now: datetime) -> DateValue | None:
    """A Unix timestamp in seconds (10 digits) or milliseconds (13 digits), as data attributes carry."""
    match = _UNIX_TIMESTAMP.match(text)
    if match is None:
        return None
    seconds = int(match["ts"]) / (1000 if len(match["ts"]) == 13 else 1)
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=0)
    if not _plausible(moment.date(), now):
        return None
    return DateValue(iso=moment.isoformat(), raw=text, source=source)


def _compact(text: str, source: str, now: datetime) -> DateValue | None:
    """A basic-format ISO date "20060102", or date-time "20060102T15:04:05Z"."""
    match = _COMPACT_DATE.match(text)
    if match is None:
        match = _COMPACT_DATETIME.match(text)
        if match is None:
            return None
        extended = f"{match['year']}-{match['month']}-{match['day']}{match['time']}"
        found = _absolute_in_text(extended, source, now)
        return DateValue(iso=found.iso, raw=text, source=source) if found else None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not _valid_day(year, month, day) or not _plausible(date(year, month, day), now):
        return None
    return DateValue(iso=date(year, month, day).isoformat(), raw=text, source=source)


def _valid_day(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _plausible(written: date, now: datetime) -> bool:
    return written.year >= MIN_YEAR and written <= now.date() + timedelta(days=MAX_FUTURE_DAYS)


# dateparser tries every one of its ~200 locales on a string no listed language reads, compiling each locale's
# regexes on first use: several seconds for one odd date, stalling a crawl. Bounded to the languages blogs are
# mostly written in (those MONTH_NAMES covers, plus a few), its first call on a new language costs ~0.1-0.3 s.
DATEPARSER_LANGUAGES = (
    "en", "fr", "de", "nl", "es", "pt", "it", "ru", "zh", "ja", "ko", "pl", "sv", "tr", "uk", "cs", "ar",
)


@lru_cache(maxsize=1)
def _dateparser():
    """dateparser's parser for the languages above, made on first use (importing dateparser costs ~0.1 s)."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=list(DATEPARSER_LANGUAGES),
        settings={"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DATES_FROM": "past", "STRICT_PARSING": False},
    )


@lru_cache(maxsize=1)
def _htmldate_find_date():
    """htmldate's find_date, its dateparser bounded to DATEPARSER_LANGUAGES.

    htmldate's extensive search hands odd date strings to a dateparser made for every locale (one string can
    cost seconds: issue 13 item 12); its module-level factory `get_external_parser` is swapped for one with
    the same settings and the languages above (tests/test_extract_dates.py checks the name still exists).
    """
    import htmldate.extractors
    from dateparser.date import DateDataParser
    from htmldate import find_date

    bounded = DateDataParser(
        languages=list(DATEPARSER_LANGUAGES),
        settings={
            "NORMALIZE": True, "PARSERS": ["custom-formats", "absolute-time"], "PREFER_DATES_FROM": "past",
            "PREFER_LOCALE_DATE_ORDER": True, "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": True,
        },
    )
    htmldate.extractors.get_external_parser = lambda: bounded
    return find_date


def htmldate_published(document: object, url: str) -> DateValue | None:
    """The publication day htmldate finds in a parsed page (`original_date`): the fallback behind the page's own
    blog signals. Source "htmldate"; its January 1st (what it answers when it found only a year) is no answer.

    Its fast search first, the extensive one only when the fast one finds no day: the extensive search reads
    the same elements with wider expressions and then the whole text, and on htmldate's evaluation set it never
    gave another day where the fast one gave one (it costs about twice as much)."""
    for extensive in (False, True):
        found = _htmldate_day(document, url, extensive)
        if found:
            return DateValue(iso=_in_shown_order(found, document), raw=found, source="htmldate")
    return None


def _htmldate_day(document: object, url: str, extensive: bool) -> str | None:
    try:
        found = _htmldate_find_date()(document, url=url, original_date=True, extensive_search=extensive)
    except (ValueError, TypeError, OverflowError):
        return None
    if not found or found.endswith("-01-01"):
        # htmldate's stand-in for a year alone (a copyright line, a lone year in the text): a year is no day, and
        # the listing, feed or sitemap may still know the post's own.
        return None
    return str(found)


# A date written all in numbers, year last: "01/06/2024", "1-6-2024" (the "numeric-year-last" rule's dates).
_NUMERIC_DATE = re.compile(r"(?<![\d/.\-])(\d{1,2})([/\-])(\d{1,2})\2((?:19|20)\d\d)(?!\d)")


def numeric_order(text: str) -> str | None:
    """The order a page writes its all-number dates in: "dmy" when one of them can only be day first
    ("14/06/2024"), "mdy" when one can only be month first ("6/14/2024"), None when none tells (or they
    disagree). A page writes its dates one way, so one unambiguous date settles the ambiguous ones ("01/06/2024")."""
    day_first = month_first = False
    for first, _sep, second, _year in _NUMERIC_DATE.findall(text):
        day_first = day_first or int(first) > 12
        month_first = month_first or int(second) > 12
    if day_first == month_first:
        return None
    return "dmy" if day_first else "mdy"


def ambiguous_numeric(value: DateValue) -> bool:
    """Whether a date was read from an all-number date that could be either order ("01/06/2024")."""
    match = _NUMERIC_DATE.match(value.raw.strip())
    return match is not None and int(match.group(1)) <= 12 and int(match.group(3)) <= 12 \
        and match.group(1).lstrip("0") != match.group(3).lstrip("0")


def day_month_swapped(iso: str) -> str:
    """The ISO date with its month and day exchanged (the same string when that is no date)."""
    year, month, day = iso[:4], iso[5:7], iso[8:10]
    if int(day) > 12:
        return iso
    return f"{year}-{day}-{month}{iso[10:]}"


def in_numeric_order(value: DateValue, order: str | None) -> DateValue:
    """An ambiguous all-number date re-read in the order its page writes dates (`numeric_order`): the date rules
    read "01/06/2024" month first, a day-first page means June 1st."""
    if not ambiguous_numeric(value):
        return value
    match = _NUMERIC_DATE.match(value.raw.strip())
    assert match is not None
    first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
    as_read = "mdy" if value.iso[:10] == f"{year}-{first:02d}-{second:02d}" else "dmy"
    if order is None or order == as_read:
        return value
    return DateValue(iso=day_month_swapped(value.iso), raw=value.raw, source=value.source)


def _in_shown_order(found: str, document: object) -> str:
    """htmldate reads an ambiguous "9/8/2024" day first; a page that writes its dates month first (another date
    on it says so, like "8/25/2024", or its language is US English) means September 8th."""
    year, month, day = found[:4], int(found[5:7]), int(found[8:10])
    if day > 12 or month == day:
        return found
    try:
        text = document.text_content()  # type: ignore[attr-defined]
        lang = (document.getroottree().getroot().get("lang") or "").lower()  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return found
    if f"/{year}" not in text and f"-{year}" not in text:
        return found  # no "d/m/year" of that year shown: one substring test spares a regex pass over the page
    shown = [(int(a), int(b), y) for a, _sep, b, y in _NUMERIC_DATE.findall(text)]
    if not any(a == day and b == month and y == year for a, b, y in shown):
        return found  # htmldate found it elsewhere (a meta, a URL): no order to doubt
    order = numeric_order(text)
    if order == "dmy":
        return found  # the page writes day first
    if order == "mdy" or lang.replace("_", "-").startswith("en-us"):
        return f"{year}-{day:02d}-{month:02d}"
    return found


@lru_cache(maxsize=4096)
def _dateparser_iso(text: str) -> str | None:
    """Last resort for odd wordings; date only, since dateparser cannot tell a shown midnight from none (relative
    dates were read before; the caller checks the result is no later than now)."""
    try:
        parsed = _dateparser().get_date_data(text).date_obj
    except (ValueError, OverflowError):
        return None
    return parsed.date().isoformat() if parsed else None
