"""Which papers an arXiv topic post takes, end to end: the CLI over real HTTP against a
local arXiv (devtools/fakes/arxiv_server.py) serving a recorded listing and search. On
the listing's day, its new and cross-listed items that name a keyword; on another day,
a search of the API, keeping only the results that name one; on a day without an
announcement, no post (or the latest announcement's, if the topic asks for it).
"""

from __future__ import annotations

import pytest

from devtools.fakes.arxiv_server import atom_feed, serve_arxiv
from paperpress.errors import SourceError
from paperpress.escape import md_inline
from paperpress.sources import arxiv
from tests.helpers import (
    COMMENT,
    CROSS_ON_TOPIC,
    FIGURE_URL,
    LISTING_DAY,
    arxiv_state,
    assert_in_order,
    figure_page,
    fixture,
    headings,
    listing_state,
    metadata,
    recorded_listing,
    recorded_search,
    run_day,
    section,
    title,
    topic,
    write_config,
)

DAY = LISTING_DAY
META = metadata()
NEW_ON_TOPIC = ["2411.17746", "2411.17763", "2411.17765", "2411.17769"]  # listing order
REPLACED_ON_TOPIC = ["2204.02688", "2203.12985"]  # name a keyword, but only replacements
NEWEST_FIRST = ["2411.17763", "2411.17769", "2411.17746", "2411.17765", CROSS_ON_TOPIC]

pytestmark = pytest.mark.usefixtures("no_polite_wait")


# --- The local arXiv itself ---------------------------------------------------------------


def test_the_local_arxiv_answers_id_lists_like_the_real_api():
    """Built from the metadata of a recorded reply, its answer parses to the same paper; an
    unknown id is absent; a malformed id gets the recorded HTTP 400 error feed."""
    real = fixture("arxiv/query_idlist-1207.7214_2026-05-02.atom.xml").read_bytes()
    (expected,) = arxiv.parse_api(real, day=DAY, feed="t").papers
    state = arxiv_state(
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
        raw.content
        == fixture("arxiv/query_idlist-abc_error-http400_2026-04-12.atom.xml").read_bytes()
    )
    assert state.queries("id_list")[0] == {
        "id_list": "1207.7214,2411.99999",
        "start": "0",
        "max_results": "2",
    }


# --- The listing path ---------------------------------------------------------------------


def test_the_listing_day_keeps_new_and_cross_items_naming_a_keyword(project, capsys):
    state = listing_state(html={"2411.17769v1": figure_page()})
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
    state = arxiv_state(listings={"*": recorded_listing()}, search_pages={0: recorded_search()})
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


# --- Days without an announcement ---------------------------------------------------------


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
    state = arxiv_state(listings={"cs.CV": recorded_listing()}, search_pages={0: atom_feed(found)})
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
