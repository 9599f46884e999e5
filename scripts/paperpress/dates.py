"""Days on the command line: one day, a range, and a range cut into chunks for a matrix.

Standard library only, so the workflow's planning job can run it without installing
anything: ``PYTHONPATH=scripts python3 -m paperpress.dates plan START END``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from paperpress.errors import ConfigError

MAX_RANGE_DAYS = 366  # a year of backfill per run; more is a mistake more often than not
MAX_CHUNKS = 20  # matrix jobs per range; each costs a runner start-up (~30 s)
CHUNK_DAYS = 7  # fewer days per job than this would spend more on start-up than on work


def parse_day(value: str | None, *, today: date, option: str = "--date") -> str:
    """A real calendar day in YYYY-MM-DD form, not after ``today`` (UTC); default yesterday."""
    if value is None:
        return (today - timedelta(days=1)).isoformat()
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{option} {value!r} is not a date; use YYYY-MM-DD, e.g. 2025-11-11"
        ) from None
    if len(text) != 10:
        raise ConfigError(f"{option} {value!r}: use the YYYY-MM-DD form, e.g. 2025-11-11")
    if day > today:
        raise ConfigError(f"{option} {day} is in the future (today is {today} in UTC)")
    return day.isoformat()


def post_date(
    day: str, timezone: str, *, now: datetime, previous: datetime | None = None
) -> datetime:
    """When a post about ``day`` is dated: the start of that day in the blog's ``timezone``,
    but never later than ``now`` (Hugo skips a post dated in the future, silently). West of
    UTC, a day that has just begun in UTC (today's arXiv announcement, say) has not begun
    for the blog yet: such a post is dated ``now``, to the minute, and keeps that date when
    it is written again (``previous``, its date as written), so its permalink stays put."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(date.fromisoformat(day), time(0, 0), zone)
    if previous is not None and start - timedelta(days=1) < previous < start and previous <= now:
        return previous.astimezone(zone)
    if start <= now:
        return start
    return now.astimezone(zone).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Period:
    """A roundup's span: an ISO week (Monday to Sunday) or a calendar month."""

    start: date
    end: date  # the last day, included
    label: str  # 2025-W46 or 2025-11

    def __contains__(self, day: str) -> bool:
        return self.start.isoformat() <= day <= self.end.isoformat()

    @property
    def days(self) -> list[str]:
        return [
            (self.start + timedelta(days=n)).isoformat()
            for n in range((self.end - self.start).days + 1)
        ]


def period_of(day: str, kind: str) -> Period:
    """The ``week`` or ``month`` that holds ``day``."""
    when = date.fromisoformat(day)
    if kind == "week":
        start = when - timedelta(days=when.weekday())
        year, week, _ = when.isocalendar()
        return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}")
    start = when.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period(start, following - timedelta(days=1), f"{when:%Y-%m}")


def day_range(start: str, end: str) -> list[str]:
    """Every day from ``start`` to ``end``, both included; both already parsed."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if last < first:
        raise ConfigError(f"--end-date {end} is before --date {start}")
    count = (last - first).days + 1
    if count > MAX_RANGE_DAYS:
        raise ConfigError(
            f"{start} to {end} is {count} days; run at most {MAX_RANGE_DAYS} days at a time"
        )
    return [(first + timedelta(days=n)).isoformat() for n in range(count)]


def chunks(
    days: Sequence[str], max_chunks: int = MAX_CHUNKS, min_days: int = CHUNK_DAYS
) -> list[dict[str, str]]:
    """Cut consecutive ``days`` into at most ``max_chunks`` runs of equal length, at least
    ``min_days`` long (the last may be shorter), as ``{"start", "end"}`` for a matrix."""
    if not days:
        return []
    size = max(min_days, math.ceil(len(days) / max_chunks))
    return [
        {"start": days[n], "end": days[min(n + size, len(days)) - 1]}
        for n in range(0, len(days), size)
    ]


def plan(
    start: str, end: str, *, today: date, max_chunks: int = MAX_CHUNKS, min_days: int = CHUNK_DAYS
) -> list[dict]:
    """The matrix for a manual run: empty ``start`` means the scheduled day (one chunk that
    lets paperpress pick it), empty ``end`` means just ``start``."""
    if not start.strip():
        if end.strip():
            raise ConfigError("end_date needs a date (the first day of the range)")
        return [{"start": "", "end": ""}]
    first = parse_day(start, today=today)
    last = parse_day(end, today=today, option="--end-date") if end.strip() else first
    return chunks(day_range(first, last), max_chunks, min_days)


def main(argv: Sequence[str] | None = None) -> int:
    """``plan START END``: print the chunk matrix as one line of JSON."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or args[0] != "plan":
        print("usage: python -m paperpress.dates plan START END  (either may be '')")
        return 2
    try:
        matrix = plan(args[1], args[2], today=datetime.now(UTC).date())
    except ConfigError as exc:
        print(f"paperpress: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(matrix, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
