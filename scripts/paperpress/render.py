"""Posts from papers and summaries: Jinja2 for the body, python-frontmatter for the header.

Pure: nothing here touches the disk except loading templates from the folder given.
Values reach the templates already escaped (``escape``), so a template cannot forget to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import frontmatter
import jinja2
import yaml

from paperpress.config import SiteConfig
from paperpress.escape import md_alt, md_inline, md_paragraphs, md_url, plain
from paperpress.models import Paper, Post, SummaryRecord
from paperpress.text import strip_controls

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "digest_title": "【{day}】Hugging Face 每日论文速览",
        "digest_intro": "[Hugging Face Daily Papers {day}]({url}) 共推荐 {count} 篇论文。",
        "digest_description": "{day} Hugging Face 每日论文速览，共 {count} 篇：{titles}",
        "note_llm": "以下每篇论文的速览由 {model} 根据论文摘要生成，仅供初筛参考，请以原文为准。",
        "note_extractive": (
            "以下每篇论文的速览由 paperpress 内置的抽取式摘要器从论文摘要中摘录生成"
            "（未使用大语言模型，故内容为英文原句，评分为基于公开信息的启发式估计）。"
        ),
        "note_pending": "{count} 篇论文的速览尚未生成，先列出其摘要，下次运行时会自动补上。",
        "tldr": "一句话总结",
        "main_work": "主要工作",
        "highlights": "主要亮点",
        "keywords": "核心关键词",
        "scores": "评分",
        "practicality": "实用性",
        "innovation": "创新性",
        "recommendation": "推荐度",
        "links": "链接",
        "abstract": "摘要",
        "pending": "⏳ 速览生成中：本文的总结尚未生成，将在下次运行时重试。以下为论文摘要。",
        "hf_page": "Hugging Face 论文页",
        "code": "代码",
        "project": "项目主页",
        "upvotes": "👍 {count} 个赞",
        "stars": "⭐ {count}",
        "authors": "作者",
        "colon": "：",
        "comma": "，",
    },
    "en": {
        "digest_title": "Hugging Face Daily Papers, {day}",
        "digest_intro": "[Hugging Face Daily Papers {day}]({url}): {count} papers.",
        "digest_description": "Hugging Face Daily Papers for {day}, {count} papers: {titles}",
        "note_llm": (
            "Each summary below was written by {model} from the paper's abstract. "
            "Use it to choose what to read, and check the paper itself."
        ),
        "note_extractive": (
            "Each summary below was extracted from the paper's abstract by paperpress's "
            "built-in summarizer (no language model); the scores are heuristics from public "
            "signals."
        ),
        "note_pending": "Summaries not ready yet: {count}. Their abstracts are shown instead, "
        "and the next run fills them in.",
        "tldr": "TL;DR",
        "main_work": "Main work",
        "highlights": "Highlights",
        "keywords": "Keywords",
        "scores": "Scores",
        "practicality": "Practicality",
        "innovation": "Innovation",
        "recommendation": "Recommendation",
        "links": "Links",
        "abstract": "Abstract",
        "pending": "⏳ Summary pending: it could not be made this time and will be retried on "
        "the next run. The abstract follows.",
        "hf_page": "Hugging Face",
        "code": "Code",
        "project": "Project page",
        "upvotes": "👍 {count} upvotes",
        "stars": "⭐ {count}",
        "authors": "Authors",
        "colon": ": ",
        "comma": ", ",
    },
}

MAX_AUTHORS = 12


@dataclass(frozen=True)
class Entry:
    paper: Paper
    summary: SummaryRecord | None


def make_environment(templates_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML: values are escaped by ``escape`` beforehand
    )


def render_digest(
    env: jinja2.Environment,
    site: SiteConfig,
    *,
    feed_name: str,
    tags: Sequence[str],
    day: str,
    entries: Sequence[Entry],
    language: str,
) -> Post:
    """The daily digest post for one feed and day."""
    labels = LABELS[language]
    papers = [_paper_view(entry, labels) for entry in entries]
    models = sorted({e.summary.model for e in entries if e.summary and e.summary.status == "done"})
    pending = sum(1 for view in papers if view["pending"])
    context = {
        "t": labels,
        "day": day,
        "count": len(papers),
        "intro": labels["digest_intro"].format(
            day=day, url=f"https://huggingface.co/papers/date/{day}", count=len(papers)
        ),
        "notes": _notes(labels, models, pending),
        "papers": papers,
    }
    body = env.get_template("digest.md.j2").render(context)
    titles = "; ".join(entry.paper.title for entry in entries[:3])
    meta = front_matter(
        site,
        title=labels["digest_title"].format(day=day),
        day=day,
        tags=list(tags),
        description=plain(
            labels["digest_description"].format(day=day, count=len(entries), titles=titles), 200
        ),
        keywords=_top_keywords(entries),
        cover=site.cover or next((e.paper.thumbnail for e in entries if e.paper.thumbnail), None),
        language=language,
    )
    return make_post(site, f"{day}-{feed_name}.md", meta, body)


def _notes(labels: dict[str, str], models: list[str], pending: int) -> list[str]:
    notes = []
    llm_models = [m for m in models if m != "extractive"]
    if llm_models:
        notes.append(labels["note_llm"].format(model=md_inline(", ".join(llm_models))))
    if "extractive" in models:
        notes.append(labels["note_extractive"])
    if pending:
        notes.append(labels["note_pending"].format(count=pending))
    return notes


def _paper_view(entry: Entry, labels: dict[str, str]) -> dict[str, Any]:
    paper = entry.paper
    digest = entry.summary.digest if entry.summary else None
    authors = list(paper.authors[:MAX_AUTHORS])
    if len(paper.authors) > MAX_AUTHORS:
        authors.append(f"et al. ({len(paper.authors)} authors)")
    links = [
        (labels["hf_page"], md_url(paper.links.hf)),
        ("arXiv", md_url(paper.links.abs)),
        ("PDF", md_url(paper.links.pdf)),
        (labels["code"], md_url(paper.links.code)),
        (labels["project"], md_url(paper.links.project)),
    ]
    view: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": md_inline(paper.title),
        "authors": md_inline(", ".join(authors)),
        "links": [{"label": label, "url": url} for label, url in links if url],
        "stars": labels["stars"].format(count=paper.github_stars) if paper.github_stars else None,
        "upvotes": labels["upvotes"].format(count=paper.upvotes),
        "thumbnail": md_url(paper.thumbnail),
        "alt": md_alt(paper.title),
        "abstract": md_paragraphs(paper.abstract),
        "pending": digest is None,
    }
    if digest is not None:
        view |= {
            "tldr": md_inline(digest.tldr),
            "main_work": md_inline(digest.main_work),
            "highlights": [md_inline(h) for h in digest.highlights],
            "keywords": [
                {
                    "term": md_inline(k.term),
                    "translation": md_inline(k.translation)
                    if k.translation.casefold() != k.term.casefold()
                    else None,
                }
                for k in digest.keywords
            ],
            "scores": [
                {"label": labels[name], "score": _score(s.score), "reason": md_inline(s.reason)}
                for name, s in (
                    ("practicality", digest.practicality),
                    ("innovation", digest.innovation),
                    ("recommendation", digest.recommendation),
                )
            ],
        }
    return view


def _score(value: float) -> str:
    return f"{value:g}"


def _top_keywords(entries: Sequence[Entry], limit: int = 8) -> list[str]:
    seen: dict[str, None] = {}
    for entry in entries:
        digest = entry.summary.digest if entry.summary else None
        terms = (
            [k.term for k in digest.keywords[:2]] if digest else list(entry.paper.ai_keywords[:2])
        )
        for term in terms:
            seen.setdefault(plain(term), None)
    return [term for term in seen if term][:limit]


# --- Front matter ----------------------------------------------------------------------


def front_matter(
    site: SiteConfig,
    *,
    title: str,
    day: str,
    tags: list[str],
    description: str,
    keywords: list[str],
    cover: str | None,
    language: str | None = None,
) -> dict[str, Any]:
    """Front matter for the site's flavor. Dates are the day at 00:00 in the blog's zone:
    fixed (no run timestamps, so re-runs give the same bytes) and never in the future for a
    finished day (Hugo silently skips future posts). ``language`` (llm.language) becomes
    Hexo's ``lang``, which the theme puts in ``<html lang>``."""
    local = datetime.combine(date.fromisoformat(day), time(0, 0), ZoneInfo(site.timezone))
    tags = [plain(tag) for tag in tags if plain(tag)]
    categories = [plain(c) for c in site.categories if plain(c)]
    cover_url = md_url(cover)
    if site.flavor == "hexo":
        # Naive local time: Hexo mangles explicit offsets (research/platform.md C1).
        stamp = local.strftime("%Y-%m-%d %H:%M:%S")
        meta: dict[str, Any] = {
            "title": plain(title),
            "date": stamp,
            "updated": stamp,
            "author": plain(site.author),
            "categories": categories,
            "tags": tags,
            "description": description,
            "keywords": ", ".join(keywords),
            "cover": cover_url,
            "lang": {"zh": "zh-CN", "en": "en"}.get(language or ""),
            "toc": True,
            "mathjax": True,
        }
    else:
        stamp = local.isoformat()
        meta = {
            "title": plain(title),
            "date": stamp,
            "lastmod": stamp,
            "draft": False,
            "author": plain(site.author),
            "categories": categories,
            "tags": tags,
            "description": description,
            # Hugo renders ``summary`` as Markdown (list pages show it, without MathJax).
            "summary": md_inline(description, math=False),
            "keywords": keywords,
            "toc": True,
            "math": True,
        }
        if cover_url:
            meta["cover"] = {"image": cover_url, "alt": plain(title)}
    return {key: value for key, value in meta.items() if value is not None}


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
