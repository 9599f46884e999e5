"""arXiv topic posts end to end: the CLI and the pipeline over real HTTP against a local
arXiv (devtools/fakes/arxiv_server.py) serving recorded listings and searches, a local Hugging
Face and a local OpenAI-compatible server; then the posts, data files and images written.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.fakes.arxiv_server import ArxivState, atom_feed, serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI
from devtools.pdfmaker import paper_pdf
from paperpress import extractive
from paperpress.cli import main
from paperpress.config import ArxivTopicFeed, SiteConfig
from paperpress.errors import SourceError
from paperpress.escape import md_inline
from paperpress.models import SummaryRecord
from paperpress.render import TopicEntry, make_environment, render_topic
from paperpress.screenshots import parse_html_figures
from paperpress.sources import arxiv
from tests.helpers import (
    COMMENT,
    CROSS_ON_TOPIC,
    FIGURE_PAGE,
    FIXTURES,
    HF_DAY,
    LISTING_DAY,
    META,
    ROOT,
    RSS,
    answer,
    hf_items,
    image_alts,
    listing_state,
    llm_env,
    metadata,
    run_day,
    section,
    title,
    topic,
    write_config,
)

ARXIV = FIXTURES / "arxiv"
SEARCH = (ARXIV / "query_all-testing_s0_m10_2026-04-12.atom.xml").read_bytes()
FIGURE_URL = "https://arxiv.org/html/2507.00150v1/plot1_distributions_600.png"
DAY = LISTING_DAY
HF_RECORDED = hf_items()

NEW_ON_TOPIC = ["2411.17746", "2411.17763", "2411.17765", "2411.17769"]  # listing order
REPLACED_ON_TOPIC = ["2204.02688", "2203.12985"]  # name a keyword, but only replacements
NEWEST_FIRST = ["2411.17763", "2411.17769", "2411.17746", "2411.17765", CROSS_ON_TOPIC]


@pytest.fixture(autouse=True)
def no_polite_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI spaces arXiv requests 3 s apart; the local server needs no such courtesy."""
    monkeypatch.setattr(arxiv, "POLITE_INTERVAL", 0)


def headings(post: str) -> list[str]:
    return re.findall(r"^## (.*)$", post, re.MULTILINE)


def assert_in_order(text: str, parts: list[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing (or out of order) in:\n{text}"
        at = found + len(part)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "templates" not in p.parts and p.name != "config.yaml"
    }


def stored(project: Path, arxiv_id: str) -> dict[str, Any]:
    return json.loads((project / "data" / "papers" / f"{arxiv_id}.json").read_text())


# --- LLM replies ----------------------------------------------------------------------


def topic_requests(llm: FakeOpenAI) -> list[str]:
    """The user messages of the topic summaries asked for."""
    users = [body["messages"][-1]["content"] for body in llm.requests]
    return [text for text in users if "structured reading guide" in text]


# --- The local arXiv itself ------------------------------------------------------------------


def test_the_local_arxiv_answers_id_lists_like_the_real_api():
    """Built from the metadata of a recorded reply, its answer parses to the same paper; an
    unknown id is absent; a malformed id gets the recorded HTTP 400 error feed."""
    real = (ARXIV / "query_idlist-1207.7214_2026-05-02.atom.xml").read_bytes()
    (expected,) = arxiv.parse_api(real, day=DAY, feed="t").papers
    state = ArxivState(
        papers={
            "1207.7214": {
                "version": 2,
                "title": expected.title,
                "abstract": expected.abstract,
                "authors": [" The ATLAS Collaboration"],
                "categories": ["hep-ex"],
                "published": "2012-07-31T11:59:59Z",
                "updated": "2012-08-31T19:29:54Z",
                "comment": expected.comment,
                "journal_ref": expected.journal_ref,
                "doi": expected.doi,
            }
        }
    )
    with serve_arxiv(state) as base, arxiv.make_client(interval=0) as client:
        where = arxiv.Endpoints(api=f"{base}/api/query", listing=base)
        found = arxiv.by_ids(client, where, ["1207.7214", "2411.99999"], day=DAY, feed="t")
        assert found == [expected]
        with pytest.raises(SourceError, match="HTTP 400: incorrect id format for abc"):
            arxiv.by_ids(client, where, ["1207.7214", "abc"], day=DAY, feed="t")
        raw = client.get(f"{base}/api/query", params={"id_list": "abc"})
    assert raw.status_code == 400
    assert (
        raw.content == (ARXIV / "query_idlist-abc_error-http400_2026-04-12.atom.xml").read_bytes()
    )
    assert state.queries("id_list")[0] == {
        "id_list": "1207.7214,2411.99999",
        "start": "0",
        "max_results": "2",
    }


# --- The listing path -------------------------------------------------------------------


def test_the_listing_day_keeps_new_and_cross_items_naming_a_keyword(project, capsys):
    state = listing_state(html={"2411.17769v1": FIGURE_PAGE})
    with serve_arxiv(state) as base:
        config = write_config(project, [topic(base)])
        assert run_day(config, DAY) == 0
    out = capsys.readouterr().out
    assert "done: fetched 5, summarized 5, cached 0, pending 0, skipped 0" in out

    # The listing, then ONE batched id_list call, in listing order; no search, no PDF.
    assert [path for path in state.paths() if not path.startswith("/html/")] == [
        "/rss/cs.CV",
        "/api/query",
    ]
    (batch,) = state.queries("id_list")
    assert batch["id_list"].split(",") == [*NEW_ON_TOPIC, CROSS_ON_TOPIC]
    assert batch["max_results"] == "5"
    assert state.queries("search_query") == [] and state.paths("/pdf/") == []
    assert all(agent.startswith("paperpress") for agent in state.user_agents)

    post = (project / "posts" / f"{DAY}-video-diffusion.md").read_text()
    assert headings(post) == [md_inline(title(i)) for i in NEWEST_FIRST]
    assert post.count(f"\n# {DAY} 更新\n") == 1
    for replaced in REPLACED_ON_TOPIC:
        assert replaced not in post and md_inline(title(replaced)) not in post
    assert "127.0.0.1" not in post  # every link points at arXiv, not at the server used
    assert sorted(p.stem for p in (project / "data" / "papers").glob("*.json")) == sorted(
        NEWEST_FIRST
    )

    for arxiv_id in NEWEST_FIRST:
        meta = META[arxiv_id]
        parts = [
            f"## {md_inline(meta['title'])}\n",
            "**作者**：" + md_inline(", ".join(meta["authors"])),
            "<details>\n<summary>摘要</summary>",
            md_inline(meta["abstract"].split(". ")[0]),
            "</details>",
            f"[PDF](https://arxiv.org/pdf/{arxiv_id}v{meta['version']})",
            "### 一句话总结",
            "### 要点",
            "- ",
            "### 论文解读",
            "- **题目**：",
            f"[arXiv](https://arxiv.org/abs/{arxiv_id})",
            "*本解读仅基于",
        ]
        if arxiv_id == "2411.17769":
            parts += ["<details>\n<summary>点此查看论文截图</summary>", f"]({FIGURE_URL})"]
            parts += ["</details>"]
        text = section(post, meta["title"])
        assert_in_order(text, parts)
        if arxiv_id != "2411.17769":
            assert "论文截图" not in text  # no figures anywhere: no empty block
    omegance = section(post, title("2411.17769"))
    assert f"[PDF](https://arxiv.org/pdf/2411.17769v1) {md_inline(COMMENT['2411.17769'])}\n" in (
        omegance
    )
    assert "[代码](https://github.com/itsmag11/Omegance)" in omegance  # named in the abstract
    cross = section(post, title(CROSS_ON_TOPIC))
    assert "[DOI](https://doi.org/10.1103/PhysRevAccelBeams.27.112802)" in cross


def test_without_include_cross_only_new_items_are_kept(project):
    state = listing_state()
    with serve_arxiv(state) as base:
        config = write_config(project, [topic(base, include_cross=False)])
        assert run_day(config, DAY) == 0
    (batch,) = state.queries("id_list")
    assert batch["id_list"].split(",") == NEW_ON_TOPIC
    post = (project / "posts" / f"{DAY}-video-diffusion.md").read_text()
    assert headings(post) == [md_inline(title(i)) for i in NEWEST_FIRST if i != CROSS_ON_TOPIC]


# --- Searching the API --------------------------------------------------------------------


@pytest.mark.parametrize("source", ["listing", "api"])
def test_another_day_is_searched_and_off_topic_results_are_skipped(project, capsys, source):
    """The listing only shows its own day; for 2024-11-27 the topic searches the API (whose
    matching is fuzzy: a post keeps only the results naming a keyword)."""
    state = ArxivState(listings={"*": RSS}, search_pages={0: SEARCH})
    keywords = ["test generation", "software testing"]
    with serve_arxiv(state) as base:
        feed = topic(base, "se-testing", keywords=keywords, categories=["cs.SE"], max_papers=4)
        config = write_config(project, [{**feed, "source": source}])
        assert run_day(config, "2024-11-27") == 0
    out = capsys.readouterr().out
    assert "done: fetched 10, summarized 4, cached 0, pending 0, skipped 6" in out

    expected = ["/rss/cs.SE", "/api/query"] if source == "listing" else ["/api/query"]
    assert [p for p in state.paths() if not p.startswith("/html/")] == expected
    (search,) = state.queries("search_query")
    assert search["search_query"] == (
        '(ti:"test generation" OR abs:"test generation" OR ti:"software testing" OR '
        'abs:"software testing") AND (cat:cs.SE) AND submittedDate:[202411251900 TO 202411261900]'
    )
    assert (search["sortBy"], search["sortOrder"], search["start"]) == (
        "submittedDate",
        "descending",
        "0",
    )
    assert search["max_results"] == "20" and not state.queries("id_list")

    post = (project / "posts" / "2024-11-27-se-testing.md").read_text()
    # The on-topic results, newest submission first; the six that only say "testing" are gone.
    assert headings(post) == [
        md_inline(t)
        for t in (
            "ChatGPT and Software Testing Education: Promises & Perils",
            "Automated Test Generation for REST APIs: No Time to Rest Yet",
            "Testing Deep Learning Models: A First Comparative Study of Multiple Testing "
            "Techniques",
            "A Systematic Literature Review of Automated Techniques for Functional GUI Testing "
            "of Mobile Applications",
        )
    ]
    assert "Microcontroller" not in post and "OpenCat" not in post
    assert len(list((project / "data" / "papers").glob("*.json"))) == 4


# --- Days without an announcement -----------------------------------------------------------


def test_a_weekend_day_says_so_and_writes_no_post(project, capsys):
    state = listing_state()
    with serve_arxiv(state) as base:
        config = write_config(project, [topic(base)])
        assert run_day(config, "2024-11-30") == 0
    out = capsys.readouterr().out
    assert (
        "video-diffusion 2024-11-30: arXiv announces nothing on 2024-11-30 (weekend or holiday); "
        "no post written" in out
    )
    assert state.requests == [] and not (project / "posts").exists()
    assert not (project / "data").exists()


def test_latest_covers_the_previous_announcement_day(project, capsys):
    found = [(i, META[i]) for i in ("2411.17769", "2411.17735")]  # one off-topic
    state = ArxivState(listings={"cs.CV": RSS}, search_pages={0: atom_feed(found)})
    with serve_arxiv(state) as base:
        config = write_config(project, [topic(base, no_announcement="latest")])
        assert run_day(config, "2024-11-30") == 0  # a Saturday: Friday's listing is the latest
    out = capsys.readouterr().out
    assert "video-diffusion 2024-11-29: wrote" in out
    assert "skipped 1, tokens" in out
    (search,) = state.queries("search_query")  # the listing is Thursday's, so: a search
    assert search["search_query"].endswith("submittedDate:[202411271900 TO 202411281900]")
    post = (project / "posts" / "2024-11-29-video-diffusion.md").read_text()
    assert "Video Diffusion 最新论文 2024-11-29" in post and "# 2024-11-29 更新" in post
    assert headings(post) == [md_inline(title("2411.17769"))]


# --- Full text, LLM, figures, cache, re-render ---------------------------------------------


def test_an_llm_run_reads_the_full_text_or_says_it_used_the_abstract(project, capsys):
    state = listing_state(
        html={"2411.17769v1": FIGURE_PAGE},
        pdfs={"2411.17769v1": paper_pdf(title("2411.17769"))},  # 2411.17763: PDF is 404
    )
    with serve_arxiv(state) as base, FakeOpenAI(default=answer) as llm:
        config = write_config(project, [topic(base, keywords=["diffusion"], max_papers=2)])
        assert run_day(config, DAY, llm_env(llm)) == 0
        assert "fetched 3, summarized 2, cached 0, pending 0, skipped 1, tokens used 1,200" in (
            capsys.readouterr().out
        )
        asked = topic_requests(llm)
        assert len(asked) == len(llm.requests) == 2
        (full,) = [text for text in asked if title("2411.17769") in text]
        assert_in_order(
            full,
            [
                "Full text (introduction, method and conclusion",
                "## Introduction\nDiffusion models generate images by denoising",
                "## Method\nOur sampler distills the teacher in two stages.",
                "## Conclusion\nA fast sampler with little extra work.",
            ],
        )
        (abstract_only,) = [text for text in asked if title("2411.17763") in text]
        assert "(Only the abstract is available.)" in abstract_only
        assert sorted(state.paths("/pdf/")) == ["/pdf/2411.17763v1", "/pdf/2411.17769v1"]

        omegance, symmetry = stored(project, "2411.17769"), stored(project, "2411.17763")
        assert omegance["summaries"]["topic"]["source"] == "full text"
        assert omegance["summaries"]["topic"]["source_note"] is None
        assert omegance["summaries"]["topic"]["model"] == "gpt-4o-mini"
        assert symmetry["summaries"]["topic"]["source"] == "abstract"
        assert "HTTP 404" in symmetry["summaries"]["topic"]["source_note"]
        (figure,) = omegance["figures"]
        assert (figure["url"], figure["source"]) == (FIGURE_URL, "html")
        assert figure["caption"].startswith("Figure 1: $v_{\\rm T}$ distribution from 1,000")

        path = project / "posts" / f"{DAY}-video-diffusion.md"
        post = path.read_text()
        assert "以下总结由 gpt-4o-mini 生成（1 篇基于论文全文、1 篇基于论文摘要）" in post
        text = section(post, title("2411.17769"))
        assert "*本解读基于论文全文。*" in text
        assert_in_order(
            text,
            ["- **题目**：Omegance：", "- **第一作者单位**：南洋理工大学", "- **方法步骤**："],
        )
        assert "  3. 按需使用时空掩码" in text and "  - **工作量**：实验充分" in text
        alts = image_alts(text)
        assert list(alts) == [FIGURE_URL]  # arXiv's address, not the server it came from
        assert alts[FIGURE_URL] == figure["caption"]  # the caption is the alt text
        other = section(post, title("2411.17763"))
        assert "*本解读仅基于论文摘要。*" in other
        assert "404" not in post and "127.0.0.1" not in post  # the reason stays in data/

        # A re-run: nothing to summarize, no PDF fetched, not one byte changed.
        before = snapshot(project)
        assert run_day(config, DAY, llm_env(llm)) == 0
        assert len(llm.requests) == 2
        assert "summarized 0, cached 2" in capsys.readouterr().out
        assert len(state.paths("/pdf/")) == 2
        assert snapshot(project) == before

    # `paperpress render`: the post again from data/ alone (the servers are gone).
    original = path.read_bytes()
    path.unlink()
    assert main(["render", "--config", config], environ={}) == 0
    assert path.read_bytes() == original


def test_local_screenshots_are_webp_files_under_the_assets_folder(project):
    state = listing_state(pdfs={"2411.17763v1": paper_pdf(title("2411.17763"))})
    with serve_arxiv(state) as base:
        feed = topic(base, keywords=["diffusion"], max_papers=1, screenshots="local")
        config = write_config(
            project,
            [feed],
            language="en",
            flavor="hugo",
            assets_dir="static/papers",
            assets_url="https://cdn.example.com/papers",
        )
        assert main(["run", "--config", config, "--date", DAY], environ={}) == 0
    assert state.paths("/html/") == ["/html/2411.17763v1"]  # preferred, but there is none
    assert state.paths("/pdf/") == ["/pdf/2411.17763v1"]
    files = sorted((project / "static" / "papers").iterdir())
    assert [f.name for f in files] == ["2411.17763v1-p1.webp", "2411.17763v1-p2.webp"]
    for file in files:
        data = file.read_bytes()
        assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        assert len(data) <= 300 * 1024
    post = (project / "posts" / f"{DAY}-video-diffusion.md").read_text()
    alts = image_alts(post)
    assert alts == {
        "https://cdn.example.com/papers/2411.17763v1-p1.webp": "first page",
        "https://cdn.example.com/papers/2411.17763v1-p2.webp": "Figure 1: Overview of our sampler.",
    }
    assert_in_order(
        post,
        [
            '{{< details summary="Abstract" >}}',
            "{{< /details >}}",
            "### Detailed summary",
            '{{< details summary="Paper screenshots" >}}',
            "![",
            "{{< /details >}}",
        ],
    )


def test_screenshots_none_fetches_and_writes_no_images(project):
    state = listing_state(html={"2411.17763v1": FIGURE_PAGE}, pdfs={"2411.17763v1": paper_pdf()})
    with serve_arxiv(state) as base:
        feed = topic(base, keywords=["diffusion"], screenshots="none")
        assert run_day(write_config(project, [feed]), DAY) == 0
    assert state.paths("/html/") == [] and state.paths("/pdf/") == []
    post = (project / "posts" / f"{DAY}-video-diffusion.md").read_text()
    assert "![" not in post and "论文截图" not in post
    assert not (project / "images").exists()
    assert all(stored(project, i)["figures"] == [] for i in ("2411.17746", "2411.17763"))


# --- One summary per paper, wherever it appears ------------------------------------------------


def test_a_paper_in_two_topics_is_summarized_once(project, capsys):
    state = listing_state()
    with serve_arxiv(state) as base, FakeOpenAI(default=answer) as llm:
        feeds = [
            topic(base, "diffusion", title="Diffusion", keywords=["diffusion"], fulltext=False),
            topic(base, "video", title="Video", keywords=["video"], fulltext=False),
        ]
        assert run_day(write_config(project, feeds), DAY, llm_env(llm)) == 0
    out = capsys.readouterr().out
    assert "diffusion 2024-11-28: wrote" in out and "video 2024-11-28: wrote" in out
    # diffusion: 17746, 17763, 17769; video: 17746, 17765, 17769 -> four papers, four calls.
    asked = topic_requests(llm)
    assert len(asked) == len(llm.requests) == 4
    for arxiv_id in ("2411.17746", "2411.17763", "2411.17765", "2411.17769"):
        assert sum(f"Title: {title(arxiv_id)}\n" in text for text in asked) == 1
    shared = stored(project, "2411.17746")
    assert shared["listings"] == [{"feed": "diffusion", "day": DAY}, {"feed": "video", "day": DAY}]
    assert list(shared["summaries"]) == ["topic"]
    assert shared["summaries"]["topic"]["source_note"] == "full text is off for this topic"
    for name in ("diffusion", "video"):
        post = (project / "posts" / f"{DAY}-{name}.md").read_text()
        assert md_inline(title("2411.17746")) in headings(post)
        assert "### 论文解读" in section(post, title("2411.17746"))


def hf_metadata(arxiv_id: str) -> dict[str, Any]:
    """What the export API says about a paper of the recorded HF day (from the HF item)."""
    (item,) = [i for i in HF_RECORDED if i["paper"]["id"] == arxiv_id]
    paper = item["paper"]
    return {
        "version": 1,
        "title": paper["title"],
        "abstract": paper["summary"],
        "authors": [a["name"] for a in paper["authors"]],
        "categories": ["cs.CV", "cs.AI"],
        "published": paper["publishedAt"].replace(".000Z", "Z"),
    }


def test_a_paper_in_the_digest_and_a_topic_has_one_data_file(project, capsys):
    """The HF digest of 2025-11-11 and a video topic the next day (arXiv and HF days differ)
    share papers: one file each, holding both summaries; HF's upvotes and thumbnail stay;
    the topic post takes the HF thumbnail as its screenshot; `render` redoes both posts."""
    video = ["2511.07250", "2511.07416", "2511.07409", "2511.07299"]
    found = [(i, hf_metadata(i)) for i in [*video, "2511.03506"]]  # HaluMem: off-topic
    state = ArxivState(search_pages={0: atom_feed(found)})
    with serve_hf(HFState(days={HF_DAY: HF_RECORDED})) as hf_base, serve_arxiv(state) as base:
        feeds = [
            {"name": "hf-daily", "kind": "hf_daily", "base_url": hf_base},
            topic(base, "video", title="Video", keywords=["video"], source="api"),
        ]
        config = write_config(project, feeds)
        assert run_day(config, HF_DAY, None, "--feed", "hf-daily") == 0
        assert run_day(config, "2025-11-12", None, "--feed", "video") == 0
        assert run_day(config, HF_DAY, None, "--feed", "hf-daily") == 0  # the digest again
    assert "skipped 1, tokens" in capsys.readouterr().out
    assert len(list((project / "data" / "papers").glob("*.json"))) == 19  # no second file
    upvotes = {i["paper"]["id"]: i["paper"]["upvotes"] for i in HF_RECORDED}
    for arxiv_id in video:
        data = stored(project, arxiv_id)
        assert sorted(data["summaries"]) == ["digest", "topic"]
        assert data["listings"] == [
            {"feed": "hf-daily", "day": HF_DAY},
            {"feed": "video", "day": "2025-11-12"},
        ]
        assert data["paper"]["upvotes"] == upvotes[arxiv_id]
        assert data["paper"]["categories"] == ["cs.CV", "cs.AI"]  # arXiv's, kept too
        thumbnail = data["paper"]["thumbnail"]
        assert thumbnail and thumbnail.startswith("https://")
        assert data["figures"] == [
            {"url": thumbnail, "caption": data["paper"]["title"], "source": "hf"}
        ]
    posts = project / "posts"
    topic_post = posts / "2025-11-12-video.md"
    assert headings(topic_post.read_text()) == [
        md_inline(hf_metadata(i)["title"])
        for i in sorted(video, key=lambda i: hf_metadata(i)["published"], reverse=True)
    ]
    originals = {p: p.read_bytes() for p in posts.iterdir()}
    assert sorted(p.name for p in originals) == ["2025-11-11-hf-daily.md", "2025-11-12-video.md"]
    for p in originals:
        p.unlink()
    assert main(["render", "--config", config], environ={}) == 0
    assert {p: p.read_bytes() for p in posts.iterdir()} == originals


# --- Rolling posts ----------------------------------------------------------------------------


def test_a_rolling_topic_keeps_one_post_newest_day_first(project, capsys):
    state = ArxivState(listings={"cs.CV": RSS}, search_pages={0: SEARCH}, papers=metadata())
    with serve_arxiv(state) as base:
        feed = topic(
            base,
            "rolling",
            title="Testing and Diffusion",
            keywords=["testing", "diffusion"],
            max_papers=2,
            rolling=True,
        )
        config = write_config(project, [feed])
        assert run_day(config, "2024-11-27") == 0  # the listing is not for this day: a search
        assert run_day(config, DAY) == 0  # the listing
        out = capsys.readouterr().out
        # Ten results name "testing"; two are kept, the rest are over max_papers: skipped.
        assert "done: fetched 10, summarized 2, cached 0, pending 0, skipped 8" in out
        assert "done: fetched 3, summarized 2, cached 0, pending 0, skipped 1" in out
        assert out.count("rolling.md") == 2
        path = project / "posts" / "rolling.md"
        assert [p.name for p in (project / "posts").iterdir()] == ["rolling.md"]
        post = path.read_text()
        assert re.findall(r"^# (.*)$", post, re.MULTILINE) == [f"{DAY} 更新", "2024-11-27 更新"]
        assert headings(post) == [
            md_inline(title("2411.17763")),
            md_inline(title("2411.17769")),
            md_inline("A Survey on Web Testing: On the Rise of AI and Applications in Industry"),
            md_inline("OpenCat: Improving Interoperability of ADS Testing"),
        ]
        assert 'title: "Testing and Diffusion"' in post and f'date: "{DAY} 00:00:00"' in post

        # Running an older day again (a backfill) changes nothing: the post stays as it is.
        before = snapshot(project)
        assert run_day(config, "2024-11-27") == 0
        assert snapshot(project) == before

    original = path.read_bytes()
    path.unlink()
    assert main(["render", "--config", config], environ={}) == 0
    assert path.read_bytes() == original


# --- Golden posts --------------------------------------------------------------------------


def golden_entries(language: str) -> list[TopicEntry]:
    """Four papers of a recorded search: extractive summaries, one pending, and figures of
    each kind (the recorded HTML page's, rendered from a PDF, none)."""
    papers = arxiv.parse_api(SEARCH, day="2025-11-11", feed="software-testing").papers
    chosen = {p.arxiv_id: p for p in papers if p.arxiv_id in GOLDEN_IDS}
    html_figures = parse_html_figures(FIGURE_PAGE.decode(), "https://arxiv.org/html/2507.00150v1")
    figures = {
        "2503.05378": [dataclasses.asdict(f) for f in html_figures],
        "2502.07719": [
            {"url": f"/images/papers/2502.07719v2-p{n}.webp", "caption": caption, "source": "pdf"}
            for n, caption in ((1, "first page"), (2, "Figure 1: Overview."))
        ],
    }
    entries = []
    for arxiv_id in GOLDEN_IDS:
        paper = chosen[arxiv_id]
        common = {"key": "k", "language": language, "prompt_hash": "h"}
        if arxiv_id == "2302.03287":
            record = SummaryRecord(status="pending", model="gpt-4o-mini", error="timeout", **common)
        else:
            content = extractive.summarize_topic(paper, language).model_dump(mode="json")
            note = "the built-in summarizer reads only the abstract"
            record = SummaryRecord(
                status="done", model="extractive", source_note=note, content=content, **common
            )
        entries.append(TopicEntry(paper, record, figures.get(arxiv_id, ())))
    return entries


GOLDEN_IDS = ["2503.05378", "2502.07719", "2302.03287", "1812.11470"]  # newest first


@pytest.mark.parametrize(("flavor", "language"), [("hexo", "zh"), ("hugo", "en")])
def test_topic_post_matches_golden(flavor, language):
    """After an intended change to the topic template or rendering, regenerate with
    ``PAPERPRESS_UPDATE_GOLDEN=1`` and review the diff like code."""
    site = SiteConfig(flavor=flavor, timezone="Asia/Shanghai", author="golden")
    feed = ArxivTopicFeed(
        kind="arxiv_topic",
        name="software-testing",
        title="Software Testing",
        keywords=["software testing", "test generation", "GUI testing"],
        categories=["cs.SE"],
    )
    post = render_topic(
        make_environment(ROOT / "templates"),
        site,
        feed,
        day="2025-11-11",
        entries=golden_entries(language),
        language=language,
    )
    golden = ROOT / "tests" / "golden" / f"topic-{flavor}-{language}.md"
    if os.environ.get("PAPERPRESS_UPDATE_GOLDEN") == "1":
        golden.write_text(post.text, encoding="utf-8")
    assert golden.exists(), "no golden file yet: run with PAPERPRESS_UPDATE_GOLDEN=1"
    assert post.text == golden.read_text(encoding="utf-8")
