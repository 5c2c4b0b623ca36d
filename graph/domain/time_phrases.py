"""Time phrases in a question ("last May", "three weeks ago", "in 2023", "yesterday") as the
interval of time they point at, so a recall can favour what was said then.

>>> from datetime import datetime, UTC
>>> now = datetime(2026, 11, 28, 12, tzinfo=UTC)
>>> [str(t.date()) for t in time_range("what did I say last May?", now)]
['2026-05-01', '2026-06-01']
>>> [str(t.date()) for t in time_range("the refund from three weeks ago", now)]
['2026-10-31', '2026-11-15']
>>> time_range("where is my order?", now) is None
True
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "a couple of": 2,
    "couple of": 2,
    "three": 3,
    "a few": 3,
    "few": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = r"\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True))
AGO = re.compile(rf"\b({_NUMBER})\s+(day|week|month|year)s?\s+ago\b")
ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?")
MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(?:of\s+)?(\d{{4}})\b")
MONTH_CONTEXT = re.compile(rf"\b(?:in|last|during|since|this|early|late|mid|on)\s+({_MONTH})\b")
YEAR = re.compile(r"\b(?:in|during|of|year)\s+((?:19|20)\d\d)\b")
RELATIVE = re.compile(
    r"\b(today|yesterday|(?:last|this|past|previous)\s+(?:week|month|year|weekend))\b"
)


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _month(year: int, month: int, now: datetime) -> tuple[datetime, datetime]:
    start = now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=year + 1, month=1) if month == 12 else start.replace(month=month + 1)
    return start, end


def _relative(word: str, now: datetime) -> tuple[datetime, datetime]:
    today = _day(now)
    days = {
        "today": (today, today + timedelta(days=1)),
        "yesterday": (today - timedelta(days=1), today),
    }
    if word in days:
        return days[word]
    which, unit = word.split()
    if unit == "weekend":
        saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
        return saturday, saturday + timedelta(days=2)
    if unit == "week":
        start = today - timedelta(days=today.weekday())
        previous = (start - timedelta(days=7), start)
    elif unit == "month":
        start = today.replace(day=1)
        last_month = start - timedelta(days=1)
        previous = _month(last_month.year, last_month.month, now)
    else:
        start = today.replace(month=1, day=1)
        previous = (start.replace(year=start.year - 1), start)
    return (start, now) if which == "this" else previous


def _in_the_past(year: int | None, month: int, now: datetime) -> int:
    """A month named without a year is its latest occurrence up to now."""
    if year is not None:
        return year
    return now.year if month <= now.month else now.year - 1


Range = tuple[datetime, datetime]
Found = tuple[Range, tuple[int, int]]  # the interval, and where the phrase is in the question


def _iso_day(text: str, now: datetime) -> Found | None:
    if not (match := ISO_DAY.search(text)):
        return None
    try:
        day = _day(now.replace(year=int(match[1]), month=int(match[2]), day=int(match[3])))
    except ValueError:
        return None
    return (day, day + timedelta(days=1)), match.span()


def _ago(text: str, now: datetime) -> Found | None:
    """ "three weeks ago": a window around then, wider the further back."""
    if not (match := AGO.search(text)):
        return None
    count = int(match[1]) if match[1].isdigit() else NUMBERS[match[1]]
    span = UNIT_DAYS[match[2]]
    centre = now - timedelta(days=count * span)
    half = timedelta(days=max(1.0, span * max(1, count) / 3))
    return (_day(centre - half), _day(centre + half) + timedelta(days=1)), match.span()


def _relative_words(text: str, now: datetime) -> Found | None:
    match = RELATIVE.search(text)
    return (_relative(" ".join(match[1].split()), now), match.span()) if match else None


def _month_day(text: str, now: datetime) -> Found | None:
    if not (match := MONTH_DAY.search(text)):
        return None
    month = MONTHS[match[1]]
    year = _in_the_past(int(match[3]) if match[3] else None, month, now)
    try:
        day = _day(now.replace(year=year, month=month, day=int(match[2])))
    except ValueError:
        return None
    return (day, day + timedelta(days=1)), match.span()


def _month_year(text: str, now: datetime) -> Found | None:
    match = MONTH_YEAR.search(text)
    return (_month(int(match[2]), MONTHS[match[1]], now), match.span()) if match else None


def _month_alone(text: str, now: datetime) -> Found | None:
    """ "in May", "last March": the latest one ("may" alone is mostly a verb)."""
    if not (match := MONTH_CONTEXT.search(text)):
        return None
    month = MONTHS[match[1]]
    return _month(_in_the_past(None, month, now), month, now), match.span()


def _year(text: str, now: datetime) -> Found | None:
    if not (match := YEAR.search(text)):
        return None
    start = _day(now.replace(year=int(match[1]), month=1, day=1))
    return (start, start.replace(year=start.year + 1)), match.span()


PARSERS = (_iso_day, _ago, _relative_words, _month_day, _month_year, _month_alone, _year)


def time_phrase(question: str, now: datetime) -> Found | None:
    """The interval [start, end) a question's time phrase points at and where the phrase is,
    or None. `now` (timezone-aware) anchors relative phrases; a month named without a year is
    the last one."""
    text = question.casefold()
    for parse in PARSERS:
        if (found := parse(text, now)) is not None:
            return found
    return None


def time_range(question: str, now: datetime) -> Range | None:
    """Only the interval of `time_phrase`."""
    found = time_phrase(question, now)
    return found[0] if found else None
