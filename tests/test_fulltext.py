"""Full text for the detailed summary: PDF download (cached, capped), extraction, sections."""

from __future__ import annotations

import io
from pathlib import Path

import httpx2
import pytest
from PIL import Image

from devtools.pdfmaker import Page, make_pdf, paper_pdf
from paperpress.errors import SourceError
from paperpress.fulltext import (
    PdfDownloads,
    download_pdf,
    extract_pages,
    full_text,
    pick_sections,
)
from paperpress.models import Links, Paper

PDF_URL = "https://arxiv.test/pdf/2501.00001v1"
PAPER = Paper(
    arxiv_id="2501.00001",
    version=1,
    title="A Study of Diffusion Models",
    abstract="We study diffusion models for images and make sampling fast.",
    links=Links(pdf=PDF_URL),
)
GOOD_PDF = paper_pdf()
HUGE_PDF = paper_pdf(filler_pages=400)  # about 120 kB
CAP = 50_000
CHUNK = 8_192


def no_text_pdf() -> bytes:
    """A scanned-looking PDF: one image, no text layer."""
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(buffer, format="PDF")
    return buffer.getvalue()


class Server:
    """A MockTransport handler that answers every request with one canned reply."""

    def __init__(self, body: bytes, status: int = 200, content_type: str = "application/pdf"):
        self.body, self.status, self.content_type = body, status, content_type
        self.requests: list[httpx2.Request] = []
        self.chunks_sent = 0

    def _chunks(self):
        for start in range(0, len(self.body), CHUNK):
            self.chunks_sent += 1
            yield self.body[start : start + CHUNK]

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(
            self.status, headers={"Content-Type": self.content_type}, content=self._chunks()
        )

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self))


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- extract_pages -----------------------------------------------------------------------


def test_extract_pages_returns_each_pages_text(tmp_path):
    pdf = make_pdf(
        [
            Page().text(72, 720, "First page title").text(72, 700, "first body line"),
            Page().text(72, 720, "Second page"),
            Page().text(72, 720, "Third page, last"),
        ]
    )
    assert extract_pages(pdf) == [
        "First page title\nfirst body line",
        "Second page",
        "Third page, last",
    ]
    (tmp_path / "paper.pdf").write_bytes(pdf)
    assert extract_pages(tmp_path / "paper.pdf", max_pages=2) == [
        "First page title\nfirst body line",
        "Second page",
    ]


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", b"not a pdf"])
def test_extract_pages_on_broken_bytes_is_a_source_error(data):
    with pytest.raises(SourceError, match="unreadable PDF"):
        extract_pages(data)


# --- pick_sections -----------------------------------------------------------------------


def sections_of(picked: str) -> dict[str, str]:
    """``## Kind\\nbody`` blocks of a pick, by kind."""
    blocks = [block for block in picked.split("## ") if block]
    return dict(block.rstrip("\n").split("\n", 1) for block in blocks)


PAPER_TEXT = [
    "A Title\nAbstract\nThe abstract text.\n1 Introduction\nIntro body about the problem.\n"
    "2 Related Work\nRelated body that cites others.",
    "II. METHOD\nMethod body with the sampler.\nIII. EXPERIMENTS\nExperiment body with tables.",
    "Conclusions\nConclusion body, short.\nReferences\n[1] A reference.",
]


def test_pick_sections_finds_numbered_roman_and_bare_headings():
    picked = pick_sections(PAPER_TEXT, budget_tokens=1000)
    assert sections_of(picked) == {
        "Introduction": "Intro body about the problem.",
        "Method": "Method body with the sampler.",
        "Conclusion": "Conclusion body, short.",
    }
    assert picked.index("## Introduction") < picked.index("## Method")
    assert picked.index("## Method") < picked.index("## Conclusion")


@pytest.mark.parametrize(
    "skipped", ["Related body", "Experiment body", "A reference", "The abstract text", "A Title"]
)
def test_pick_sections_skips_other_sections(skipped):
    assert skipped not in pick_sections(PAPER_TEXT, budget_tokens=1000)


def test_pick_sections_ignores_heading_words_inside_sentences():
    pages = ["1 Introduction\nWe explain our method\nand the conclusion here.\n2 Method\nSteps."]
    assert sections_of(pick_sections(pages, budget_tokens=1000)) == {
        "Introduction": "We explain our method\nand the conclusion here.",
        "Method": "Steps.",
    }


def test_pick_sections_respects_the_budget_shares():
    pages = [
        "1 Introduction\n" + "i" * 1000,
        "2 Method\n" + "m" * 1000 + "\n3 Experiments\n" + "e" * 1000,
        "4 Conclusion\n" + "c" * 1000,
    ]
    picked = pick_sections(pages, budget_tokens=100)  # 400 characters
    assert sections_of(picked) == {
        "Introduction": "i" * 140,
        "Method": "m" * 160,
        "Conclusion": "c" * 100,
    }


def test_pick_sections_without_headings_takes_the_head_of_the_text():
    pages = ["word " * 100, "other " * 100]
    picked = pick_sections(pages, budget_tokens=50)  # 200 characters
    assert picked == ("word " * 40).strip()
    assert pick_sections(["  Short text.  "], budget_tokens=50) == "Short text."


def test_pick_sections_on_the_generated_paper():
    picked = pick_sections(extract_pages(GOOD_PDF), budget_tokens=2000)
    body = sections_of(picked)
    assert list(body) == ["Introduction", "Method", "Conclusion"]
    assert body["Introduction"].startswith("Diffusion models generate images by denoising")
    assert body["Method"].startswith("Our sampler distills the teacher")
    assert body["Conclusion"] == "A fast sampler with little extra work."


# --- download_pdf ------------------------------------------------------------------------


def test_download_pdf_writes_the_cache_file(tmp_path):
    server = Server(GOOD_PDF)
    with server.client() as client:
        path = download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
    assert path == tmp_path / "pdf" / "2501.00001v1.pdf"
    assert path.read_bytes() == GOOD_PDF
    assert files_under(tmp_path) == [path]
    [request] = server.requests
    assert str(request.url) == PDF_URL
    assert request.headers["Accept"] == "application/pdf"


def test_download_pdf_second_call_is_a_cache_hit(tmp_path):
    server = Server(GOOD_PDF)
    with server.client() as client:
        first = download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
        second = download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
    assert first == second
    assert len(server.requests) == 1


def test_download_pdf_cache_hit_needs_no_network(tmp_path):
    cached = tmp_path / "pdf" / "2501.00001v1.pdf"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(GOOD_PDF)
    server = Server(b"", status=500)
    with server.client() as client:
        assert download_pdf(client, PAPER, tmp_path, max_bytes=CAP) == cached
    assert server.requests == []


def test_download_pdf_other_version_is_not_a_cache_hit(tmp_path):
    server = Server(GOOD_PDF)
    v2 = Paper(**{**PAPER.to_dict(), "version": 2, "links": Links(pdf=PDF_URL[:-1] + "2")})
    with server.client() as client:
        download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
        path = download_pdf(client, v2, tmp_path, max_bytes=CAP)
    assert path.name == "2501.00001v2.pdf"
    assert len(server.requests) == 2


def test_download_pdf_over_the_cap_stops_and_writes_nothing(tmp_path):
    assert len(HUGE_PDF) > 2 * CAP
    server = Server(HUGE_PDF)
    with (
        server.client() as client,
        pytest.raises(SourceError, match=r"larger than 50,000 bytes"),
    ):
        download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
    assert files_under(tmp_path) == []
    # Streamed: the download stops soon after the cap, not at the end of the body.
    assert server.chunks_sent <= CAP // CHUNK + 2 < len(HUGE_PDF) // CHUNK


def test_download_pdf_exactly_at_the_cap_is_accepted(tmp_path):
    server = Server(GOOD_PDF)
    with server.client() as client:
        path = download_pdf(client, PAPER, tmp_path, max_bytes=len(GOOD_PDF))
    assert path.read_bytes() == GOOD_PDF


def test_download_pdf_http_error_status(tmp_path):
    server = Server(b"<html>Not Found</html>", status=404, content_type="text/html")
    with server.client() as client, pytest.raises(SourceError, match=r"HTTP 404"):
        download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
    assert files_under(tmp_path) == []


def test_download_pdf_html_body_is_not_a_pdf(tmp_path):
    server = Server(
        b"<!DOCTYPE html><html><body>Please verify</body></html>", content_type="text/html"
    )
    with server.client() as client, pytest.raises(SourceError, match="not a PDF"):
        download_pdf(client, PAPER, tmp_path, max_bytes=CAP)
    assert files_under(tmp_path) == []


def test_download_pdf_connection_failure_is_a_source_error(tmp_path):
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    with (
        httpx2.Client(transport=httpx2.MockTransport(refuse)) as client,
        pytest.raises(SourceError, match="failed: ConnectError"),
    ):
        download_pdf(client, PAPER, tmp_path, max_bytes=CAP)


def test_download_pdf_without_a_link(tmp_path):
    server = Server(GOOD_PDF)
    paper = Paper(arxiv_id="2501.00001", version=1, title="T")
    with server.client() as client, pytest.raises(SourceError, match="no PDF link"):
        download_pdf(client, paper, tmp_path, max_bytes=CAP)
    assert server.requests == []


# --- PdfDownloads: each PDF at most once per run ----------------------------------------------


def test_a_missing_pdf_is_asked_for_once_per_run(tmp_path):
    server = Server(b"gone", status=404, content_type="text/plain")
    downloads = PdfDownloads(tmp_path)
    with server.client() as client:
        for _ in range(3):
            with pytest.raises(SourceError, match=rf"GET {PDF_URL} answered HTTP 404$"):
                downloads.get(client, PAPER, max_bytes=CAP)
    assert len(server.requests) == 1
    assert files_under(tmp_path) == []


def test_a_downloaded_pdf_is_the_cache_file_for_the_rest_of_the_run(tmp_path):
    server = Server(GOOD_PDF)
    downloads = PdfDownloads(tmp_path)
    with server.client() as client:
        first = downloads.get(client, PAPER, max_bytes=CAP)
        assert downloads.get(client, PAPER, max_bytes=CAP) == first
    assert first.read_bytes() == GOOD_PDF and len(server.requests) == 1


def test_a_failure_is_kept_per_paper_version_link_and_cap(tmp_path):
    server = Server(b"gone", status=404, content_type="text/plain")
    downloads = PdfDownloads(tmp_path)
    v2 = Paper(**{**PAPER.to_dict(), "version": 2, "links": Links(pdf=PDF_URL[:-1] + "2")})
    with server.client() as client:
        for paper, cap in ((PAPER, CAP), (v2, CAP), (PAPER, 2 * CAP), (PAPER, CAP)):
            with pytest.raises(SourceError, match="HTTP 404"):
                downloads.get(client, paper, max_bytes=cap)
        # Papers without a link are not one paper: each error names its own.
        for arxiv_id in ("2501.00002", "2501.00003"):
            with pytest.raises(SourceError, match=f"^{arxiv_id}: no PDF link$"):
                downloads.get(client, Paper(arxiv_id=arxiv_id, title="T"), max_bytes=CAP)
    assert [str(r.url) for r in server.requests] == [PDF_URL, v2.links.pdf, PDF_URL]


def test_another_run_asks_again(tmp_path):
    server = Server(b"gone", status=404, content_type="text/plain")
    with server.client() as client:
        for _ in range(2):
            with pytest.raises(SourceError):
                PdfDownloads(tmp_path).get(client, PAPER, max_bytes=CAP)
    assert len(server.requests) == 2


# --- full_text ---------------------------------------------------------------------------


def test_full_text_from_a_good_pdf(tmp_path):
    with Server(GOOD_PDF).client() as client:
        result = full_text(client, PAPER, PdfDownloads(tmp_path), budget_tokens=2000, max_bytes=CAP)
    assert result.source == "full text"
    assert result.reason is None
    assert result.text == pick_sections(extract_pages(GOOD_PDF), budget_tokens=2000)
    assert "Our sampler distills the teacher" in result.text
    assert "FID improves" not in result.text


@pytest.mark.parametrize(
    ("server", "reason"),
    [
        (Server(b"%PDF-1.4 garbage"), "unreadable PDF"),
        (Server(b"gone", status=404, content_type="text/plain"), "HTTP 404"),
        (Server(HUGE_PDF), "larger than 50,000 bytes"),
        (Server(b"<html></html>", content_type="text/html"), "not a PDF"),
        (Server(no_text_pdf()), "no text layer"),
    ],
    ids=["broken", "404", "too-large", "html", "no-text-layer"],
)
def test_full_text_falls_back_to_the_abstract(tmp_path, server, reason):
    with server.client() as client:
        result = full_text(client, PAPER, PdfDownloads(tmp_path), budget_tokens=2000, max_bytes=CAP)
    assert result.source == "abstract"
    assert result.text == PAPER.abstract
    assert result.reason and reason in result.reason
