"""Figures in topic posts, end to end over real HTTP on 127.0.0.1: every image a post links
exists, for both shapes of arXiv HTML versions (devtools/fakes/arxiv_server.latexml_paper);
and a paper's PDF is requested at most once per run."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import httpx2
import pytest
from PIL import Image

from devtools.fakes.arxiv_server import latexml_paper, serve_arxiv
from devtools.fakes.openai_server import FakeOpenAI
from devtools.pdfmaker import paper_pdf
from paperpress.cli import main
from tests.helpers import (
    LISTING_DAY,
    answer,
    arxiv_state,
    image_alts,
    listing_state,
    llm_env,
    run_day,
    section,
    title,
    topic,
    write_config,
)

DAY = LISTING_DAY
OMEGANCE = "2411.17769"  # on the recorded listing, version 1
NAMES = ["x1.png", "extracted/5852395/F2.jpg"]  # as the converter names a paper's images

pytestmark = pytest.mark.usefixtures("no_polite_wait")


def stored_figures(project: Path, arxiv_id: str) -> list[dict[str, Any]]:
    data = json.loads((project / "data" / "papers" / f"{arxiv_id}.json").read_text())
    return data["figures"]


def on_the_local_arxiv(url: str, base: str) -> str:
    """A figure link of a post, mapped back to the server that stood in for arXiv."""
    assert url.startswith("https://arxiv.org/html/"), url
    return f"{base}/html/{url.removeprefix('https://arxiv.org/html/')}"


def assert_is_an_image(client: httpx2.Client, url: str) -> None:
    """200, an image type, and bytes that are an image of that type."""
    reply = client.get(url)
    assert reply.status_code == 200, url
    with Image.open(io.BytesIO(reply.content)) as picture:
        assert reply.headers["Content-Type"] == Image.MIME[picture.format], url


# --- The local arXiv itself ------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["base", "prefixed"])
def test_the_local_arxiv_serves_a_page_and_its_images_where_a_browser_asks(shape):
    page, images = latexml_paper("2501.00001v2", NAMES, shape=shape)
    state = arxiv_state(html={"2501.00001v2": page}, images=images)
    with serve_arxiv(state) as base, httpx2.Client() as client:
        for path in ("2501.00001v2", "2501.00001v2/", "2501.00001", "2501.00001/"):
            reply = client.get(f"{base}/html/{path}")
            assert (reply.status_code, reply.content) == (200, page), path
        for name in NAMES:
            assert_is_an_image(client, f"{base}/html/2501.00001v2/{name}")
        for missing in ("x1.png", "2501.00001v1", "2501.00001v2/x9.png", "2501.00001v2/2501"):
            assert client.get(f"{base}/html/{missing}").status_code == 404, missing
    assert (b'<base href="/html/2501.00001v2/">' in page) == (shape == "base")
    src = "x1.png" if shape == "base" else "2501.00001v2/x1.png"
    assert f'<img src="{src}"'.encode() in page


# --- Every figure link answers with an image ----------------------------------------------------


@pytest.mark.parametrize("shape", ["base", "prefixed"])
def test_every_figure_link_in_the_post_is_an_image_the_server_has(project, shape):
    page, images = latexml_paper(f"{OMEGANCE}v1", NAMES, shape=shape)
    state = listing_state(html={f"{OMEGANCE}v1": page}, images=images)
    with serve_arxiv(state) as base, httpx2.Client() as client:
        config = write_config(project, [topic(base, keywords=["diffusion"])])
        assert run_day(config, DAY) == 0
        post = (project / "posts" / f"{DAY}-video-diffusion.md").read_text()
        links = image_alts(post)
        assert list(links) == [f"https://arxiv.org/html/{OMEGANCE}v1/{name}" for name in NAMES]
        assert list(image_alts(section(post, title(OMEGANCE)))) == list(links)
        for url in links:
            assert_is_an_image(client, on_the_local_arxiv(url, base))
    assert f"/html/{OMEGANCE}v1" in state.paths("/html/")  # asked without a trailing slash
    assert f"/html/{OMEGANCE}v1/" not in state.paths("/html/")
    assert [f["url"] for f in stored_figures(project, OMEGANCE)] == list(links)
    assert "127.0.0.1" not in post


def test_a_redirect_to_another_server_resolves_against_where_the_page_came_from(project):
    page, images = latexml_paper(f"{OMEGANCE}v1", NAMES, shape="prefixed")
    elsewhere = arxiv_state(html={f"{OMEGANCE}v1": page}, images=images)
    with serve_arxiv(elsewhere) as other, httpx2.Client() as client:
        moved = {f"/html/{OMEGANCE}v1": f"{other}/html/{OMEGANCE}v1"}
        state = listing_state(redirects=moved)
        with serve_arxiv(state) as base:
            config = write_config(project, [topic(base, keywords=["diffusion"])])
            assert run_day(config, DAY) == 0
        # The page came from `other`, not from the configured mirror: its links stay there.
        urls = [f["url"] for f in stored_figures(project, OMEGANCE)]
        assert urls == [f"{other}/html/{OMEGANCE}v1/{name}" for name in NAMES]
        for url in urls:
            assert_is_an_image(client, url)


def test_only_a_path_in_the_papers_folder_on_the_mirror_is_pointed_at_arxiv(project):
    """The post links images at arXiv even when the page came from a mirror, but only where
    arXiv has the same path: a paper's own folder. Any other address stays as the page gave
    it, and a src with no http(s) URL is dropped: no link is made up."""
    page, images = latexml_paper(f"{OMEGANCE}v1", ["x1.png"], shape="base")
    state = listing_state(html={}, images=images)
    with serve_arxiv(state) as base:
        odd = [
            "/html/shared/logo.png",  # the mirror's, outside any paper's folder
            "/html/2507.00150v1/plot.png",  # another paper's folder: arXiv serves it too
            "/html/2507.001500v1/x1.png",  # no arXiv id
            f"https://cdn.test/resize?of={base}/html/{OMEGANCE}v1/x1.png",
            "javascript:void(0)",
        ]
        extra = "".join(
            f'<figure class="ltx_figure"><img src="{src}"><figcaption>Figure {n}: Odd.'
            "</figcaption></figure>"
            for n, src in enumerate(odd, start=2)
        )
        state.html[f"{OMEGANCE}v1"] = page.replace(b"</article>", extra.encode() + b"</article>")
        config = write_config(project, [topic(base, keywords=["diffusion"], max_screenshots=9)])
        assert run_day(config, DAY) == 0
    assert [f["url"] for f in stored_figures(project, OMEGANCE)] == [
        f"https://arxiv.org/html/{OMEGANCE}v1/x1.png",
        f"{base}/html/shared/logo.png",
        "https://arxiv.org/html/2507.00150v1/plot.png",
        f"{base}/html/2507.001500v1/x1.png",
        f"https://cdn.test/resize?of={base}/html/{OMEGANCE}v1/x1.png",
    ]


def test_a_broken_link_stored_by_an_earlier_version_leaves_the_post(project):
    """Versions before the base-URL fix stored ``https://arxiv.org/html/x1.png``: a render
    drops it, and the paper's figures are looked up again with its next summary."""
    page, images = latexml_paper(f"{OMEGANCE}v1", NAMES, shape="base")
    state = listing_state(html={f"{OMEGANCE}v1": page}, images=images)
    record = project / "data" / "papers" / f"{OMEGANCE}.json"
    post = project / "posts" / f"{DAY}-video-diffusion.md"
    with serve_arxiv(state) as base:
        config = write_config(project, [topic(base, keywords=["diffusion"])])
        assert run_day(config, DAY) == 0
        good = post.read_bytes()
        data = json.loads(record.read_text())
        for figure in data["figures"]:
            figure["url"] = "https://arxiv.org/html/" + figure["url"].rsplit("/", 1)[-1]
        record.write_text(json.dumps(data))
        assert main(["render", "--config", config], environ={}) == 0
        assert "https://arxiv.org/html/x1.png" not in post.read_text()
        assert list(image_alts(section(post.read_text(), title(OMEGANCE)))) == []
        assert run_day(config, DAY, {}, "--force") == 0
    assert post.read_bytes() == good


# --- One request per PDF per run -------------------------------------------------------------


def test_a_missing_pdf_is_requested_once_for_full_text_and_screenshots(project, capsys):
    """2411.17763 has no HTML version, no HF thumbnail and no PDF (404): the full text and
    then the local screenshots both want its PDF, and the run asks arXiv for it once."""
    state = listing_state(pdfs={f"{OMEGANCE}v1": paper_pdf(title(OMEGANCE))})
    with serve_arxiv(state) as base, FakeOpenAI(default=answer) as llm:
        feed = topic(base, keywords=["diffusion"], max_papers=2, screenshots="local")
        assert run_day(write_config(project, [feed]), DAY, llm_env(llm)) == 0
    out, err = capsys.readouterr()
    assert "summarized 2, cached 0, pending 0" in out
    assert sorted(state.paths("/pdf/")) == ["/pdf/2411.17763v1", f"/pdf/{OMEGANCE}v1"]
    assert err.count("/pdf/2411.17763v1 answered HTTP 404") == 1, err  # and one warning
    assert stored_figures(project, "2411.17763") == []
    # The PDF that exists was downloaded once too, and rendered from the cache.
    assert [f["source"] for f in stored_figures(project, OMEGANCE)] == ["pdf", "pdf"]


def test_a_full_text_summary_is_not_undone_by_a_pdf_that_fails_once(project, capsys):
    """A fresh runner (no cache) on a day arXiv's PDF answers 404, with --force: the new
    summary would be from the abstract alone, so the full-text one in data/ stays."""
    state = listing_state(pdfs={f"{OMEGANCE}v1": paper_pdf(title(OMEGANCE))})
    record = project / "data" / "papers" / f"{OMEGANCE}.json"
    with serve_arxiv(state) as base, FakeOpenAI(default=answer) as llm:
        config = write_config(project, [topic(base, keywords=["diffusion"], max_papers=2)])
        assert run_day(config, DAY, llm_env(llm)) == 0
        before = record.read_bytes()
        assert json.loads(before)["summaries"]["topic"]["source"] == "full text"
        state.pdfs.clear()
        shutil.rmtree(project / ".cache")
        capsys.readouterr()
        assert run_day(config, DAY, llm_env(llm), "--force") == 0
    assert record.read_bytes() == before
    out, err = capsys.readouterr()
    assert "summarized 1, cached 0, pending 0, skipped 1, kept 1" in out
    assert f"{OMEGANCE} made from the abstract (GET " in err
    assert "HTTP 404); kept the previous full text summary" in err
