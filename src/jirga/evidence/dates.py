"""Dates in news text: absolute ones parsed, relative ones resolved against the document date.

A news report dates events relative to its own publication ("on Thursday", "last month",
"a year ago"). :func:`resolve_date` turns such an expression into a calendar date with its
precision (day, month or year) and says whether it was relative. Weekdays follow the
reporting convention: in a past-tense clause "on Thursday" is the latest Thursday on or
before the document date, in a future clause the next one after it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
WEEKDAYS = {name: index for index, name in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_ABSOLUTE = [
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:\s*[-–]\s*\d{{1,2}})?,?\s+{_YEAR}\b", re.I),  # April 14, 2019
    re.compile(rf"\b{_DAY}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH},?\s+{_YEAR}\b", re.I),  # 14-15 April 2019
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.I),  # July, 2020
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*,?\s*(?:19|20)\d\d)", re.I),  # April 12 (year from context)
    re.compile(rf"\b{_DAY}\s+{_MONTH}\b(?!\s*,?\s*(?:19|20)\d\d)", re.I),  # 12 April
    re.compile(rf"\b(?:in|since|by|until|of)\s+{_MONTH}\b(?!\s*,?\s*(?:19|20)\d\d)", re.I),  # in April
    re.compile(rf"\b{_YEAR}\b"),  # 2018
]
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")


@dataclass(frozen=True)
class ResolvedDate:
    date: dt.date
    precision: str
    """'day', 'month' or 'year': how much of ``date`` the text gave."""
    relative: bool
    """True when the text was relative ("on Thursday") and was resolved against the document date."""
    text: str


def _days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _shift_months(date: dt.date, months: int) -> dt.date:
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(date.day, _days_in_month(year, month + 1)))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def resolve_date(text: str, document_date: dt.date | None, *, past: bool = True) -> ResolvedDate | None:
    """The date that ``text`` (a date expression) names, or None if it names none.

    ``document_date`` anchors relative expressions and years left out ("April 12"); without
    it only expressions that carry a year resolve. ``past`` is the tense of the clause.
    """
    lowered = text.lower().strip()
    iso = _ISO.search(lowered)
    if iso:
        date = _safe_date(int(iso["year"]), int(iso["month"]), int(iso["day"]))
        return ResolvedDate(date, "day", False, text) if date else None
    for pattern in _ABSOLUTE:
        match = pattern.search(lowered)
        if not match:
            continue
        groups = match.groupdict()
        month = MONTHS[groups["month"]] if groups.get("month") else None
        day = int(groups["day"]) if groups.get("day") else None
        if groups.get("year"):
            year, relative = int(groups["year"]), False
        elif document_date is None:
            continue
        else:
            # A month without a year is the one nearest the document date in the clause's tense.
            year, relative = document_date.year, True
            if past and (month, day or 1) > (document_date.month, document_date.day):
                year -= 1
            elif not past and (month, day or 31) < (document_date.month, document_date.day):
                year += 1
        date = _safe_date(year, month or 1, day or 1)
        if date is None:
            return None
        precision = "day" if day else "month" if month else "year"
        return ResolvedDate(date, precision, relative, text)
    if document_date is None:
        return None
    return _relative(lowered, document_date, past, text)


_AGO = re.compile(r"\b(?P<count>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?P<unit>day|week|month|year)s?\s+ago\b")
_LAST_NEXT = re.compile(r"\b(?P<which>last|next|this|earlier this|later this|past)\s+(?P<unit>week|month|year)\b")


def _relative(lowered: str, anchor: dt.date, past: bool, text: str) -> ResolvedDate | None:
    for name, index in WEEKDAYS.items():
        if re.search(rf"\b{name}\b", lowered):
            if re.search(rf"\blast\s+{name}\b", lowered):
                past = True
            elif re.search(rf"\bnext\s+{name}\b", lowered):
                past = False
            if past:
                date = anchor - dt.timedelta(days=(anchor.weekday() - index) % 7)
            else:
                date = anchor + dt.timedelta(days=(index - anchor.weekday()) % 7 or 7)
            return ResolvedDate(date, "day", True, text)
    simple = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}
    for word, offset in simple.items():
        if re.search(rf"\b{word}\b", lowered):
            return ResolvedDate(anchor + dt.timedelta(days=offset), "day", True, text)
    ago = _AGO.search(lowered)
    if ago:
        count = int(ago["count"]) if ago["count"].isdigit() else NUMBER_WORDS[ago["count"]]
        return _offset(anchor, ago["unit"], -count, text)
    last_next = _LAST_NEXT.search(lowered)
    if last_next:
        step = {"last": -1, "past": -1, "next": 1}.get(last_next["which"], 0)
        return _offset(anchor, last_next["unit"], step, text)
    return None


def _offset(anchor: dt.date, unit: str, count: int, text: str) -> ResolvedDate:
    if unit == "day":
        return ResolvedDate(anchor + dt.timedelta(days=count), "day", True, text)
    if unit == "week":
        date = anchor + dt.timedelta(weeks=count)
        return ResolvedDate(date - dt.timedelta(days=date.weekday()), "week", True, text)
    if unit == "month":
        shifted = _shift_months(anchor, count)
        return ResolvedDate(shifted.replace(day=1), "month", True, text)
    return ResolvedDate(dt.date(anchor.year + count, 1, 1), "year", True, text)


def guess_document_date(text: str, head_characters: int = 600) -> tuple[dt.date, str] | None:
    """A publication date guessed from the text itself, with the words it came from.

    A date with a year in the first ``head_characters`` (a byline such as "July, 2020") wins;
    otherwise the latest dated expression with a year anywhere in the text, which is a lower
    bound on the publication date. Callers must mark the result as a guess.
    """
    head = _dates_with_years(text[:head_characters])
    if head:
        return head[0]
    found = _dates_with_years(text)
    return max(found) if found else None


def _dates_with_years(text: str) -> list[tuple[dt.date, str]]:
    found: list[tuple[dt.date, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in [_ISO, *_ABSOLUTE[:3]]:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            resolved = resolve_date(match.group(0), None)
            if resolved is not None:
                found.append((resolved.date, match.group(0)))
                taken.append(match.span())
    return sorted(found, key=lambda item: text.find(item[1]))
