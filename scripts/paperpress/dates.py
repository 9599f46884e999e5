"""Days on the command line: one day, a range, and a range cut into chunks for a matrix;
and what a manual range will cost, before it starts.

Standard library only, so the workflow's planning job can run it without installing
anything: ``PYTHONPATH=scripts python3 -m paperpress.dates plan START END``. Only the
estimate (``--config``) reads YAML, with PyYAML imported when it is asked for.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from paperpress.errors import ConfigError

MAX_RANGE_DAYS = 366  # a year of backfill per run; more is a mistake more often than not
MAX_CHUNKS = 20  # matrix jobs per range; each costs a runner start-up (~30 s)
CHUNK_DAYS = 7  # fewer days per job than this would spend more on start-up than on work
DEFAULT_MAX_CALLS = 1000  # a manual range estimated above this stops in the planning job


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


# --- What a manual range costs: an upper bound on papers and calls, before it starts --------

# Tokens per call, roughly (no tokenizer here): the instructions, title and abstract, plus
# a topic's full text up to its fulltext_budget_tokens; a completion is what a summary
# typically takes, never more than llm.max_output_tokens.
PROMPT_TOKENS = {"hf_daily": 1500, "arxiv_topic": 1500, "lead": 1000}
COMPLETION_TOKENS = {"hf_daily": 700, "arxiv_topic": 1200, "lead": 300}
MAX_PAPERS = {"hf_daily": 50, "arxiv_topic": 30, "roundup": 0}  # config/models.py defaults


@dataclass(frozen=True)
class FeedEstimate:
    name: str
    kind: str
    days: int  # days that can have a post: every day, or Monday to Friday for arXiv
    per_day: int  # max_papers
    papers: int
    calls: int  # one per paper, and one per post with a lead
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Estimate:
    start: str
    end: str
    days: int
    chunks: int
    feeds: tuple[FeedEstimate, ...]
    price: tuple[float, float] | None = None  # dollars per million prompt, completion tokens
    budget_usd: float | None = None  # llm.budget_usd: the cap of each chunk (each is a run)

    @property
    def papers(self) -> int:
        return sum(feed.papers for feed in self.feeds)

    @property
    def calls(self) -> int:
        return sum(feed.calls for feed in self.feeds)

    @property
    def tokens(self) -> tuple[int, int]:
        prompt = sum(feed.prompt_tokens for feed in self.feeds)
        return prompt, sum(feed.completion_tokens for feed in self.feeds)

    @property
    def cost(self) -> float | None:
        if self.price is None:
            return None
        prompt, completion = self.tokens
        return (prompt * self.price[0] + completion * self.price[1]) / 1_000_000


def _number(value: object, where: str, default: float, *, whole: bool = True) -> float:
    """A number from YAML as the config accepts it (``50``, ``"50"``, ``50.0``), else the
    default when the key is absent; anything else is one line naming the key."""
    if value is None:
        return default
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0 or (whole and not number.is_integer()):
        raise ConfigError(f"{where}: {value!r} is not a {'whole ' if whole else ''}number")
    return int(number) if whole else number


def _flag(value: object, default: bool) -> bool:
    """YAML's true (or what the config also takes for it: "yes", "on", 1)."""
    return default if value is None else str(value).strip().lower() in ("true", "yes", "on", "1")


def _feeds(config: object, source: str, names: Sequence[str]) -> list[tuple[int, dict]]:
    feeds = config.get("feeds") if isinstance(config, dict) else None
    if not isinstance(feeds, list) or not all(isinstance(feed, dict) for feed in feeds):
        raise ConfigError(f"{source}: expected a mapping with a list of feeds under 'feeds:'")
    for index, feed in enumerate(feeds):
        if feed.get("kind") not in MAX_PAPERS or not isinstance(feed.get("name"), str):
            kinds = ", ".join(MAX_PAPERS)
            raise ConfigError(f"{source}: feeds[{index}] needs a name and a kind ({kinds})")
    known = [feed["name"] for feed in feeds]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(f"unknown feed {unknown[0]!r}; {source} has: {', '.join(known)}")
    return [(n, feed) for n, feed in enumerate(feeds) if not names or feed["name"] in names]


def _feed_estimate(feed: dict, where: str, days: Sequence[str], max_output: int) -> FeedEstimate:
    kind = feed["kind"]
    if kind == "arxiv_topic":  # arXiv announces Monday to Friday (UTC), holidays aside
        days = [day for day in days if date.fromisoformat(day).weekday() < 5]
    per_day = _number(feed.get("max_papers"), f"{where}.max_papers", MAX_PAPERS[kind])
    per_day = 0 if kind == "roundup" else per_day  # a roundup reads data/: no new paper
    papers = len(days) * per_day
    leads = len(days) if _flag(feed.get("lead"), False) else 0
    prompt = PROMPT_TOKENS.get(kind, 0)
    if kind == "arxiv_topic" and _flag(feed.get("fulltext"), True):
        prompt += _number(
            feed.get("fulltext_budget_tokens"), f"{where}.fulltext_budget_tokens", 6000
        )
    completion = min(COMPLETION_TOKENS.get(kind, 0), max_output)
    tokens = (papers * prompt + leads * PROMPT_TOKENS["lead"],
              papers * completion + leads * min(COMPLETION_TOKENS["lead"], max_output))  # fmt: skip
    return FeedEstimate(feed["name"], kind, len(days), per_day, papers, papers + leads, *tokens)


def estimate(
    config: object, matrix: Sequence[dict], *, names: Sequence[str] = (), source: str = "config"
) -> Estimate:
    """What the dated ``matrix`` will ask of the LLM at most, from the parsed config: every
    feed (or only ``names``) at ``max_papers`` a day, one call per paper and per lead."""
    days = day_range(matrix[0]["start"], matrix[-1]["end"])
    llm = config.get("llm") if isinstance(config, dict) else None
    llm = llm if isinstance(llm, dict) else {}
    max_output = _number(llm.get("max_output_tokens"), "llm.max_output_tokens", 1500)
    feeds = []
    for index, feed in _feeds(config, source, names):
        feeds.append(_feed_estimate(feed, f"{source}: feeds[{index}]", days, max_output))
    price = llm.get("price")
    if price is not None:
        keys = ("prompt_per_million", "completion_per_million")
        price = price if isinstance(price, dict) else dict.fromkeys(keys, price)
        price = tuple(_number(price.get(k), f"llm.price.{k}", 0, whole=False) for k in keys)
    budget = llm.get("budget_usd")
    budget = None if budget is None else _number(budget, "llm.budget_usd", 0, whole=False)
    return Estimate(days[0], days[-1], len(days), len(matrix), tuple(feeds), price, budget)


def over_cap(report: Estimate, cap: int) -> str | None:
    """The one line that stops a manual range estimated above ``cap`` calls, or None."""
    if report.calls <= cap:
        return None
    return (
        f"{report.start} to {report.end} is estimated at {report.calls:,} LLM calls, above "
        f"the cap of {cap:,} for a manual run; to run it, start it again with max_calls "
        f"{report.calls} (or raise the repository variable PAPERPRESS_MAX_CALLS)"
    )


def _tokens(count: int) -> str:
    return f"{count / 1_000_000:,.1f} M" if count >= 100_000 else f"{count:,}"


def _cell(text: object) -> str:
    return html.escape(" ".join(str(text).split())).replace("|", "\\|")


def summary(report: Estimate, cap: int) -> str:
    """The estimate as Markdown for the job summary: a row per feed, tokens, cost, cap."""
    runs = f"{report.chunks} chunk{'s' * (report.chunks != 1)}"
    heading = f"{report.start} to {report.end}, {report.days} days in {runs}"
    rows = [f"| {_cell(f.name)} | {f.kind} | {f.days} | {f.per_day:,} | {f.papers:,} | "
            f"{f.calls:,} |" for f in report.feeds]  # fmt: skip
    lines = [f"### Estimate: {heading}", "",
             "| feed | kind | days | papers a day, at most | papers | LLM calls |",
             "|---|---|--:|--:|--:|--:|", *rows,
             f"| **all** | | | | **{report.papers:,}** | **{report.calls:,}** |", ""]  # fmt: skip
    prompt, completion = report.tokens
    tokens = (f"About {_tokens(prompt + completion)} tokens (prompt {_tokens(prompt)}, "
              f"completion {_tokens(completion)})")  # fmt: skip
    if report.cost is None:
        lines.append(f"{tokens}; set `llm.price` in config.yaml to see the cost.")
    else:
        lines.append(f"{tokens}: about ${report.cost:,.2f} at `llm.price`.")
    if report.budget_usd is not None:
        lines.append(
            f"`llm.budget_usd` (${report.budget_usd:,.2f}) caps each chunk: at most "
            f"${report.budget_usd * report.chunks:,.2f} for the {report.chunks} chunks."
        )
    lines += [
        "",
        "At most: one LLM call per paper and one per post with `lead: true`; papers already "
        "summarized in `data/` cost nothing unless `force`, and a reply that fails validation "
        "or the faithfulness guard costs one repair call more. arXiv topics count Monday to "
        "Friday.",
        "",
    ]
    stop = over_cap(report, cap)
    lines.append(f"**Stopped.** {stop}." if stop else f"Within the cap of {cap:,} LLM calls.")
    return "\n".join(lines) + "\n"


# --- The planning job's command ------------------------------------------------------------


def _count(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of calls")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m paperpress.dates")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser(
        "plan", help="print a run's chunk matrix as one JSON line"
    ).add_argument
    add("start", help="first day, YYYY-MM-DD; '' for the scheduled day")
    add("end", help="last day; '' for just START")
    add("--config", type=Path, help="estimate a dated run from this config file")
    add("--feeds", default="", help="only these feeds, comma-separated")
    add("--max-calls", type=_count, default=DEFAULT_MAX_CALLS, help="stop a run above this")
    add("--github-summary", type=Path, help="append the estimate here; errors as ::error::")
    return parser


def _read_config(path: Path) -> object:
    import yaml  # only the estimate needs it; the plan alone stays standard library

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} is not valid YAML") from None


def _error(message: str, github: bool, title: str) -> None:
    message = re.sub(r":(?=:)", ": ", message)  # the input's "::" starts no workflow command
    if github:  # a workflow command: an annotation on the run's page (% and newlines escaped)
        text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title={title}::{text}", file=sys.stderr)
    else:
        print(f"paperpress: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """``plan START END [--config ...]``: print the chunk matrix as one line of JSON; with
    ``--config`` and a date, first estimate the run and stop it above ``--max-calls``."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    github = args.github_summary is not None
    try:
        matrix = plan(args.start, args.end, today=datetime.now(UTC).date())
        report = None
        if args.config is not None and args.start.strip():
            names = [name for name in args.feeds.split(",") if name]
            config = _read_config(args.config)
            report = estimate(config, matrix, names=names, source=str(args.config))
    except ConfigError as exc:
        _error(str(exc), github, "bad plan")
        return 2
    if report is not None:
        if github:
            with args.github_summary.open("a", encoding="utf-8") as out:
                out.write(summary(report, args.max_calls))
        line = f"{report.days} days, at most {report.papers:,} papers, {report.calls:,} calls"
        print(f"estimate: {line} (cap {args.max_calls:,})", file=sys.stderr)
        stop = over_cap(report, args.max_calls)
        if stop:
            _error(stop, github, "over the cost cap")
            return 1
    print(json.dumps(matrix, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
