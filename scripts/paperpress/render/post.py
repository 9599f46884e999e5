"""What every post shares: front matter for Hexo or Hugo, the file as written, author lists
and the folds that hide long parts. Pure: values in, values out."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from paperpress.config import SiteConfig
from paperpress.escape import md_inline, md_url, plain
from paperpress.models import Paper, Post
from paperpress.text import inert, strip_controls, urls_in

MAX_AUTHORS = 10  # both kinds of post; a longer list ends with "+N more"


def paper_urls(paper: Paper) -> frozenset[str]:
    """The URLs a paper's own metadata names (its links, its abstract and comment): the only
    bare URLs in text about it that may become links (see escape.md_inline)."""
    links = {url for url in dataclasses.astuple(paper.links) if url}
    return frozenset(urls_in(paper.abstract, paper.comment) | links)


def author_list(authors: Sequence[str], labels: dict[str, str]) -> str:
    """The authors as one escaped line: at most MAX_AUTHORS names, then how many more."""
    shown = [md_inline(name) for name in authors[:MAX_AUTHORS]]
    if len(authors) > MAX_AUTHORS:
        shown.append(labels["more_authors"].format(count=len(authors) - MAX_AUTHORS))
    return ", ".join(shown)


def front_matter(
    site: SiteConfig,
    *,
    title: str,
    day: str,
    tags: list[str],
    description: str,
    keywords: list[str],
    cover: str | None,
    moment: datetime | None = None,
    updated: datetime | None = None,
    categories: Sequence[str] | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Front matter for the site's flavor, dated ``moment`` in the blog's zone (by default
    the start of ``day`` there; never in the future: Hugo silently skips such posts, see
    dates.post_date) and ``updated`` then (by default the same). ``description`` and
    ``keywords`` are made inert: themes print them unescaped (Butterfly's index cards).
    ``language`` (llm.language) becomes Hexo's ``lang``, which the theme puts in
    ``<html lang>``."""
    zone = ZoneInfo(site.timezone)
    local = (moment or datetime.combine(date.fromisoformat(day), time(0, 0), zone)).astimezone(zone)
    common: dict[str, Any] = {
        "title": plain(title),
        "author": plain(site.author),
        "categories": [plain(c) for c in (categories or site.categories) if plain(c)],
        "tags": [plain(tag) for tag in tags if plain(tag)],
        "description": inert(description),
        "keywords": [word for word in (plain(inert(k)) for k in keywords) if word],
        "lang": {"zh": "zh-CN", "en": "en"}.get(language or ""),
    }
    changed = max(local, updated.astimezone(zone)) if updated else local
    if site.flavor == "hexo":
        meta = _hexo(common, local, changed, md_url(cover))
    else:
        meta = _hugo(common, local, changed, md_url(cover))
    return {key: value for key, value in meta.items() if value is not None}


def _hexo(common: dict[str, Any], local: datetime, changed: datetime, cover: str | None) -> dict:
    # Naive local time: Hexo mangles explicit offsets (research/platform.md C1).
    return {
        "title": common["title"],
        "date": local.strftime("%Y-%m-%d %H:%M:%S"),
        "updated": changed.strftime("%Y-%m-%d %H:%M:%S"),
        "author": common["author"],
        "categories": common["categories"],
        "tags": common["tags"],
        "description": common["description"],
        "keywords": ", ".join(common["keywords"]),
        "cover": cover,
        "lang": common["lang"],
        "toc": True,
        "mathjax": True,
    }


def _hugo(common: dict[str, Any], local: datetime, changed: datetime, cover: str | None) -> dict:
    meta = {
        "title": common["title"],
        "date": local.isoformat(),
        "lastmod": changed.isoformat(),
        "draft": False,
        "author": common["author"],
        "categories": common["categories"],
        "tags": common["tags"],
        "description": common["description"],
        # Hugo renders ``summary`` as Markdown (list pages show it, without MathJax).
        "summary": md_inline(common["description"], math=False),
        "keywords": common["keywords"],
        "toc": True,
        "math": True,
    }
    if cover:
        meta["cover"] = {"image": cover, "alt": common["title"]}
    return meta


class _QuotedDumper(yaml.SafeDumper):
    """Every string value double-quoted: Hugo's YAML 1.1 reads a bare ``y`` or ``no`` as a
    bool. Keys are ours and plain."""

    def represent_mapping(self, tag, mapping, flow_style=None):  # type: ignore[override]
        node = super().represent_mapping(tag, mapping, flow_style)
        for key, _ in node.value:
            key.style = None
        return node


_QuotedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def make_post(site: SiteConfig, name: str, meta: dict[str, Any], body: str) -> Post:
    post = frontmatter.Post(strip_controls(body).strip() + "\n", **meta)
    text = frontmatter.dumps(
        post, Dumper=_QuotedDumper, sort_keys=False, width=10**9, allow_unicode=True
    )
    return Post(path=name, front_matter=meta, body=post.content, text=text + "\n")


def fold_open(label: str, flavor: str) -> str:
    # Hugo strips raw HTML by default (goldmark unsafe = false); its details shortcode does not.
    if flavor == "hugo":
        return '{{< details summary="' + label.replace('"', "'") + '" >}}'
    return f"<details>\n<summary>{label}</summary>"


def fold_close(flavor: str) -> str:
    return "{{< /details >}}" if flavor == "hugo" else "</details>"
