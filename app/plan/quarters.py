"""Quarters of the action plan, written « 2027-T1 » (T for trimestre, in both languages)."""

from __future__ import annotations

import re
from datetime import date, timedelta

QUARTER = re.compile(r"^(\d{4})-T([1-4])$")
YEARS_BEFORE = 1
YEARS_AFTER = 5


def parse(text: str | None) -> tuple[int, int] | None:
    """Return (year, quarter) of a quarter such as « 2027-T1 », None if it is not one."""
    match = QUARTER.match(text or "")
    return (int(match[1]), int(match[2])) if match else None


def first_day(text: str) -> date:
    """Return the first day of a quarter."""
    year, quarter = parse(text) or (0, 0)
    return date(year, 3 * quarter - 2, 1)


def last_day(text: str) -> date:
    """Return the last day of a quarter."""
    year, quarter = parse(text) or (0, 0)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return following - timedelta(days=1)


def choices(today: date, keep: tuple[str | None, ...] = ()) -> list[str]:
    """Return the quarters offered, from a year ago to five years ahead, plus those kept."""
    offered = [
        f"{year}-T{quarter}"
        for year in range(today.year - YEARS_BEFORE, today.year + YEARS_AFTER + 1)
        for quarter in range(1, 5)
    ]
    extra = [q for q in keep if q and parse(q) and q not in offered]
    return sorted(extra + offered, key=lambda q: parse(q) or (0, 0))
