"""What an arXiv topic post holds, end to end: the CLI and the pipeline over real HTTP
against a local arXiv (devtools/fakes/arxiv_server.py), a local Hugging Face and a local
OpenAI-compatible server. The LLM reads a paper's full text (or says it had only the
abstract), figures and local screenshots reach the post, a re-run changes no byte, and a
paper has one summary and one data file wherever it appears; then the posts, data files
and images written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from devtools.fakes.arxiv_server import atom_feed, serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.openai_server import FakeOpenAI
from devtools.pdfmaker import paper_pdf
from paperpress.cli import main
from paperpress.escape import md_inline
from paperpress.sources import arxiv
from tests.helpers import (
    FIGURE_URL,
    HF_DAY,
    LISTING_DAY,
    answer,
    arxiv_state,
    assert_in_order,
    figure_page,
    headings,
    hf_items,
    image_alts,
    listing_state,
    llm_env,
    project_snapshot,
    run_day,
    section,
    title,
    topic,
    write_config,
)

DAY = LISTING_DAY
HF_RECORDED = hf_items()

pytestmark = pytest.mark.usefixtures("no_polite_wait")


def stored(project: Path, arxiv_id: str) -> dict[str, Any]:
    return json.loads((project / "data" / "papers" / f"{arxiv_id}.json").read_text())


def topic_requests(llm: FakeOpenAI) -> list[str]:
    """The user messages of the topic summaries asked for."""
    users = [body["messages"][-1]["content"] for body in llm.requests]
    return [text for text in users if "structured reading guide" in text]


# --- Full text, LLM, figures, cache, re-render --------------------------------------------


def test_an_llm_run_reads_the_full_text_or_says_it_used_the_abstract(project, capsys):
    state = listing_state(
        html={"2411.17769v1": figure_page()},
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
        before = project_snapshot(project)
        assert run_day(config, DAY, llm_env(llm)) == 0
        assert len(llm.requests) == 2
        assert "summarized 0, cached 2" in capsys.readouterr().out
        assert len(state.paths("/pdf/")) == 2
        assert project_snapshot(project) == before

    # `paperpress render`: the post again from data/ alone (the servers are gone).
    original = path.read_bytes()
    path.unlink()
    assert main(["render", "--config", config], environ={}) == 0
    assert path.read_bytes() == original


def test_a_papers_llm_call_starts_while_the_polite_client_fetches_the_next_pdf(
    project, monkeypatch
):
    """Streamed: each paper is summarized as soon as its own full text is read, not after
    every PDF of the day (the arXiv client waits between requests, here 0.3 s)."""
    monkeypatch.setattr(arxiv, "POLITE_INTERVAL", 0.3)
    ids = ["2411.17763", "2411.17769"]
    state = listing_state(pdfs={f"{i}v1": paper_pdf(title(i)) for i in ids})
    calls: list[float] = []

    def timed(body: dict[str, Any]):
        calls.append(time.monotonic())
        return answer(body)

    with serve_arxiv(state) as base, FakeOpenAI(default=timed) as llm:
        config = write_config(project, [topic(base, keywords=["diffusion"], max_papers=2)])
        assert run_day(config, LISTING_DAY, llm_env(llm)) == 0
    asked = zip(state.requests, state.times, strict=True)
    pdfs = [when for (path, _), when in asked if "/pdf/" in path]
    assert len(pdfs) == len(calls) == 2
    assert calls[0] < pdfs[1]  # the first call did not wait for the second PDF


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
    state = listing_state(html={"2411.17763v1": figure_page()}, pdfs={"2411.17763v1": paper_pdf()})
    with serve_arxiv(state) as base:
        feed = topic(base, keywords=["diffusion"], screenshots="none")
        assert run_day(write_config(project, [feed]), DAY) == 0
    assert state.paths("/html/") == [] and state.paths("/pdf/") == []
    post = (project / "posts" / f"{DAY}-video-diffusion.md").read_text()
    assert "![" not in post and "论文截图" not in post
    assert not (project / "images").exists()
    assert all(stored(project, i)["figures"] == [] for i in ("2411.17746", "2411.17763"))


# --- One summary per paper, wherever it appears -------------------------------------------


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
    state = arxiv_state(search_pages={0: atom_feed(found)})
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
