"""Command line: parse arguments, wire the clients, run, report. The only module that prints.

Exit codes: 0 done (pending summaries are not a failure), 1 the run failed, 2 bad usage
or config.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from paperpress import COMMIT_MODES, __version__
from paperpress.dates import day_range, parse_day
from paperpress.errors import ConfigError, PaperpressError
from paperpress.text import printable, redact

if TYPE_CHECKING:  # the run's modules are imported when a command needs them: --help is quick
    import jinja2

    from paperpress import publish
    from paperpress.config import Config, Environment, Feed, LLMSettings
    from paperpress.pipeline import Report
    from paperpress.summarize import Summarizer

log = logging.getLogger("paperpress")

DESCRIPTION = """\
Turn the day's papers into blog posts: fetch them (Hugging Face Daily Papers), summarize
each with an LLM through any OpenAI-compatible API (or the built-in extractive summarizer
when no key is set), and write Hexo or Hugo posts plus one JSON file per paper under data/.
"""

EPILOG = """\
environment:
  OPENAI_API_KEY    API key (the variable's name is llm.api_key_env in the config)
  OPENAI_BASE_URL   OpenAI-compatible endpoint: DeepSeek, Gemini, Ollama, vLLM ...
  PAPERPRESS_MODEL  model name, overrides llm.model
  GITHUB_TOKEN      --commit api: token for this repository (GitHub Actions sets it)
  PUBLISH_TOKEN     --commit api: token for a separate blog repository (publish.repo)
  PUBLISH_REPO, PUBLISH_BRANCH   override publish.repo and publish.branch

examples:
  paperpress run                          yesterday (UTC), every feed in config.yaml
  paperpress run --date 2025-11-11 --feed hf-daily
  paperpress run --date 2025-11-03 --end-date 2025-11-09   a week, one commit
  paperpress run --commit git             commit posts/, data/, images in this checkout, push
  paperpress run --dry-run                show what would be written, spend nothing
  paperpress render                       re-render every post from data/ (no network)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperpress",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"paperpress {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=Path("config.yaml"),
        metavar="PATH",
        help="config file (default: config.yaml)",
    )
    common.add_argument(
        "--feed", action="append", metavar="NAME", help="only this feed (repeatable; default: all)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log every step")

    run_cmd = commands.add_parser(
        "run",
        parents=[common],
        help="fetch, summarize and write the posts for one day",
        description="Fetch, summarize and write the posts for one day.",
    )
    run_cmd.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="the day to publish (default: yesterday in UTC for Hugging Face, the latest "
        "complete day; today's announcement for arXiv topics)",
    )
    run_cmd.add_argument(
        "--end-date",
        metavar="YYYY-MM-DD",
        help="run every day from --date to this day, both included",
    )
    run_cmd.add_argument("--force", action="store_true", help="summarize again even if cached")
    run_cmd.add_argument(
        "--roundups",
        choices=("include", "skip", "only"),
        default="include",
        help="the roundups (kind: roundup): include them (default), skip them, or run only "
        "them (a range run in parallel chunks writes its roundups once, after the chunks)",
    )
    run_cmd.add_argument(
        "--commit",
        choices=COMMIT_MODES,
        default="none",
        help="after writing: none (default), git (commit and push this checkout) or api (one "
        "commit through the GitHub API, to this repository or publish.repo)",
    )
    run_cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch and render but write nothing and call no LLM (uncached papers show as pending)",
    )
    run_cmd.add_argument(
        "--replay",
        type=Path,
        metavar="DIR",
        help="answer HTTP requests from recorded responses in DIR (offline demo and debugging)",
    )

    render_cmd = commands.add_parser(
        "render",
        parents=[common],
        help="re-render posts from data/ (no network)",
        description="Re-render posts from data/ alone, e.g. after editing a template.",
    )
    render_cmd.add_argument("--date", metavar="YYYY-MM-DD", help="only this day's posts")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from paperpress.config import load_config, read_environment  # pydantic: not for --help
    from paperpress.progress import setup_logging

    secrets: list[str] = []
    try:
        config = load_config(args.config)
        env = read_environment(config, os.environ if environ is None else environ)
        secrets = env.secrets
        setup_logging(verbose=args.verbose, in_actions=env.in_actions, secrets=secrets)
        feeds = [config.feed(name) for name in args.feed] if args.feed else list(config.feeds)
        if args.command == "render":
            return _render(config, feeds, args)
        return _run(config, feeds, args, env)
    except ConfigError as exc:
        print(f"paperpress: error: {printable(redact(str(exc), secrets))}", file=sys.stderr)
        return 2
    except PaperpressError as exc:
        print(f"paperpress: failed: {printable(redact(str(exc), secrets))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("paperpress: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line to report, not a traceback in the log
        print(f"paperpress: failed: {printable(redact(_bug(exc), secrets))}", file=sys.stderr)
        return 1


def _bug(exc: Exception) -> str:
    """An unexpected error as one line for a bug report: what and where (the innermost
    frame of paperpress: file and line, which hold no secret)."""
    import traceback  # only here: --help must stay quick

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if f"{os.sep}paperpress{os.sep}" in frame.filename]
    where = ""
    if ours or frames:
        frame = (ours or frames)[-1]
        where = f" at {Path(frame.filename).name}:{frame.lineno} ({frame.name})"
    what = f": {exc}" if str(exc) else ""
    return (
        f"unexpected {exc.__class__.__name__}{where}{what}; this is a bug in paperpress, "
        "please report it with this line and the command you ran"
    )


def make_summarizers(
    config: Config, settings: LLMSettings, templates: jinja2.Environment
) -> dict[str, Summarizer]:
    """One summarizer per kind of summary the feed kinds ask for (``digest``, ``topic``),
    sharing the settings and one breaker: a refused key stops them all."""
    from paperpress.feeds import KINDS
    from paperpress.prompts import load_prompt
    from paperpress.summarize import Breaker, ExtractiveSummarizer, LLMSummarizer

    kinds = sorted({kind.summary for kind in KINDS.values() if kind.summary})
    if settings.enabled:
        log.info("summarizing with %s at %s", settings.model, settings.base_url or "api.openai.com")
        breaker = Breaker()
        return {
            kind: LLMSummarizer(settings, load_prompt(templates, kind), breaker=breaker)
            for kind in (*kinds, "lead")  # a lead (lead: true) needs an LLM: none without one
        }
    log.warning(
        "%s is not set: using the built-in extractive summarizer. For LLM summaries set it "
        "(in GitHub: Settings > Secrets and variables > Actions), or set OPENAI_BASE_URL for a "
        "local server such as Ollama.",
        config.llm.api_key_env,
    )
    return {kind: ExtractiveSummarizer(config.llm.language, kind) for kind in kinds}


def _run(config: Config, feeds: list[Feed], args: argparse.Namespace, env: Environment) -> int:
    from paperpress import net, preflight, publish
    from paperpress.pipeline import Clients, run
    from paperpress.progress import make_progress
    from paperpress.render import make_environment
    from paperpress.report import step_summary
    from paperpress.sources import arxiv

    if args.roundups != "include":
        feeds = [feed for feed in feeds if (feed.kind == "roundup") == (args.roundups == "only")]
        if not feeds:
            print(f"no feed to run with --roundups {args.roundups}; nothing to do")
            return 0
    now = datetime.now(UTC)
    days = _days(args, now.date())
    if args.commit != "none" and args.dry_run:
        raise ConfigError("--dry-run writes nothing, so there is nothing to --commit")
    templates = make_environment(config.templates_dir)  # one for the whole run
    preflight.check_templates(config, feeds, templates)
    if args.commit == "api":
        publish.check_destinations(publish.destinations(env.github), env.github)
    summarizers = make_summarizers(config, env.llm, templates)
    for summarizer in summarizers.values():
        summarizer.warm_up()  # the SDK's import and client, while the feeds are fetched
    replay = net.replay_transport(args.replay) if args.replay else None
    with (
        net.make_http_client(transport=replay) as http,
        arxiv.make_client(
            transport=replay, interval=0 if replay else arxiv.POLITE_INTERVAL
        ) as polite,
    ):
        report = run(
            config,
            days=days,
            feeds=feeds,
            clients=Clients(http=http, summarizers=summarizers, arxiv=polite),
            force=args.force,
            dry_run=args.dry_run,
            progress=make_progress(interactive=sys.stderr.isatty() and not env.ci),
            now=now,
            env=templates,
        )
    _print_report(report, config, dry_run=args.dry_run)
    commits: list[publish.Published] = []
    try:
        commits = _commit(config, report, args, env)
    finally:  # the table is wanted most when the commit failed
        if env.step_summary:
            with open(env.step_summary, "a", encoding="utf-8") as out:
                out.write(step_summary(report, env.github.server_url, commits, env.secrets))
    _print_failures(report, in_actions=env.in_actions, secrets=env.secrets)
    return 1 if report.failed else 0


def _print_failures(report: Report, *, in_actions: bool, secrets: Sequence[str] = ()) -> None:
    """Each distinct error once, with the feeds and days it stopped (a refused key stops
    every feed that needed the LLM with the same words)."""
    where: dict[str, list[str]] = {}
    for feed in report.failed:
        where.setdefault(feed.error or "", []).append(f"{feed.feed} {feed.day}")
    prefix = "::error::" if in_actions else ""
    for error, feeds in where.items():
        message = printable(redact(error, secrets))
        print(f"{prefix}paperpress: failed: {', '.join(feeds)}: {message}", file=sys.stderr)


def _days(args: argparse.Namespace, today: date) -> list[str | None]:
    """``--date`` and ``--end-date`` as the days to run; [None] lets each feed pick its day."""
    if args.end_date and not args.date:
        raise ConfigError("--end-date needs --date (the first day of the range)")
    if not args.date:
        return [None]
    first = parse_day(args.date, today=today)
    if not args.end_date:
        return [first]
    return list(day_range(first, parse_day(args.end_date, today=today, option="--end-date")))


def _commit(
    config: Config, report: Report, args: argparse.Namespace, env: Environment
) -> list[publish.Published]:
    from paperpress import publish

    if args.commit == "none":
        return []
    root = args.config.resolve().parent
    message = publish.commit_message([f.day for f in report.feeds], _commit_lines(report))
    if args.commit == "git":
        folders = [config.site.posts_dir, config.data_dir, config.site.assets_dir]
        results = [publish.commit_via_git(root, folders, message, in_actions=env.in_actions)]
    else:
        from paperpress import store

        targets = publish.plan_targets(config, root, env.github)
        results = publish.commit_all(targets, message, env.github, merge=store.merge_files)
    for result in results:
        if result.sha:
            where = f"{result.repo}@{result.branch}"
            print(f"committed {len(result.changed)} files to {where}: {result.sha}")
        else:
            print(f"{result.repo}@{result.branch}: nothing changed, no commit")
    return results


def _commit_lines(report: Report) -> list[str]:
    lines = []
    for f in report.feeds:
        if f.error:
            lines.append(f"{f.feed} {f.day}: failed")
        elif f.post:
            kept = f", {f.kept} kept" if f.kept else ""
            lines.append(
                f"{f.feed} {f.day}: {f.fetched - f.skipped} papers ({f.summarized} summarized, "
                f"{f.cached} cached, {f.pending} pending{kept})"
            )
    return lines


def _render(config: Config, feeds: list[Feed], args: argparse.Namespace) -> int:
    from paperpress import preflight
    from paperpress.render import make_environment
    from paperpress.report import display
    from paperpress.rerender import render_stored

    day = parse_day(args.date, today=date.max) if args.date else None
    templates = make_environment(config.templates_dir)
    preflight.check_templates(config, feeds, templates)

    def show(path: Path, changed: bool) -> None:
        print(f"{'wrote' if changed else 'unchanged'} {display(path)}")

    written = render_stored(config, feeds=feeds, day=day, on_post=show, env=templates)
    if not written:
        print(f"no stored papers for {', '.join(f.name for f in feeds)} in {config.data_dir}")
    return 0


def _print_report(report: Report, config: Config, *, dry_run: bool) -> None:
    from paperpress.report import CLAIMS, claims, display

    for feed in report.feeds:
        if feed.error and not feed.post:
            print(f"{feed.feed} {feed.day}: failed; no post written (see the error below)")
            continue
        if not feed.post:
            note = printable(feed.note or "no papers for this day")
            print(f"{feed.feed} {feed.day}: {note}; no post written")
            continue
        verb = "would write" if dry_run else ("wrote" if feed.post_changed else "unchanged")
        failed = "; failed (see the error below)" if feed.error else ""  # a lead it could not write
        print(f"{feed.feed} {feed.day}: {verb} {display(feed.post)}{failed}")
    counts = ", ".join(
        f"{name} {report.total(name)}"
        for name in ("fetched", "summarized", "cached", "pending", "skipped")
    )
    usage = report.usage
    cached = f", cached {usage.cached:,}" if usage.cached else ""
    split = f" (prompt {usage.prompt:,}{cached}, completion {usage.completion:,})"
    split = split if usage.total else ""
    cost = f", cost ${report.cost:.4f}" if report.cost is not None else ""
    kept = f", kept {report.total('kept')}" if report.total("kept") else ""
    found = [report.total(name) for name in CLAIMS]
    unsupported = f", unsupported claims: {claims(found)}" if report.total("tokens") else ""
    print(f"done: {counts}{kept}, tokens used {report.total('tokens'):,}{split}{cost}{unsupported}")
    if report.total("pending"):
        print(
            f"pending summaries are kept in {display(config.data_dir)} and retried on the next run"
        )
    if report.total("kept"):
        print(
            "where a new summary failed, or read less (the abstract for the full text), the "
            "previous finished one was kept"
        )
