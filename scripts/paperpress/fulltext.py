"""A paper's full text for the detailed summary: download the PDF, extract, pick sections.

PDFs are cached per id and version under a cache folder that is never committed (arXiv
allows linking PDFs, not re-serving them). Extraction uses pypdfium2. The picked text
(introduction, method, conclusion) fits a token budget, so one LLM call covers the paper.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx2

from paperpress import net
from paperpress.errors import SourceError
from paperpress.models import Paper
from paperpress.store import write_bytes_if_changed
from paperpress.text import safe_filename

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4
_HEADING = re.compile(
    r"^\s*(?:(?:\d+|[IVX]+)\.?\s+)?(?P<name>abstract|introduction|related work|background|"
    r"preliminaries|method(?:s|ology)?|approach|proposed method|our approach|model|"
    r"experiments?|results|evaluation|discussion|conclusions?(?: and future work)?|"
    r"limitations|references|bibliography|acknowledge?ments?|appendix)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_KIND = {
    "introduction": "introduction",
    "background": "introduction",
    "method": "method",
    "methods": "method",
    "methodology": "method",
    "approach": "method",
    "proposed method": "method",
    "our approach": "method",
    "model": "method",
    "conclusion": "conclusion",
    "conclusions": "conclusion",
    "conclusions and future work": "conclusion",
    "discussion": "conclusion",
}
_SHARES = {"introduction": 0.35, "method": 0.4, "conclusion": 0.25}


@dataclass(frozen=True)
class FullText:
    source: Literal["full text", "abstract"]
    text: str
    reason: str | None = None  # why the abstract stands in, when it does


def pdf_path(cache_dir: Path, paper: Paper) -> Path:
    version = f"v{paper.version}" if paper.version else ""
    return cache_dir / "pdf" / f"{safe_filename(paper.arxiv_id)}{version}.pdf"


def download_pdf(client: httpx2.Client, paper: Paper, cache_dir: Path, *, max_bytes: int) -> Path:
    """The paper's PDF, from the cache or downloaded (streamed, capped at ``max_bytes``)."""
    path = pdf_path(cache_dir, paper)
    if path.exists():
        return path
    if not paper.links.pdf:
        raise SourceError(f"{paper.arxiv_id}: no PDF link")
    try:
        reply = net.read(
            client, paper.links.pdf, headers={"Accept": "application/pdf"}, max_bytes=max_bytes
        )
    except httpx2.HTTPError as exc:
        raise SourceError(f"GET {paper.links.pdf} failed: {exc.__class__.__name__}") from exc
    if reply.status_code != 200:
        raise SourceError(f"GET {paper.links.pdf} answered HTTP {reply.status_code}")
    data = reply.content
    if not data.startswith(b"%PDF"):
        raise SourceError(f"{paper.links.pdf} is not a PDF")
    write_bytes_if_changed(path, data)
    return path


class PdfFailedBefore(SourceError):
    """A PDF whose download failed earlier in this run, where it was reported."""


@dataclass
class PdfDownloads:
    """One run's PDFs: each is requested at most once per run, whoever asks for it (the
    full text, then the screenshots). A download is kept as its cache file; a failure (a
    404, too large, not a PDF ...) is kept here and raised again, so a missing PDF costs
    one request, not one per use (and one warning: ``PdfFailedBefore`` says it was given).
    Made by the caller, once per run."""

    cache_dir: Path
    _failures: dict[tuple[str, int | None, str | None, int], SourceError] = field(
        default_factory=dict, repr=False
    )

    def get(self, client: httpx2.Client, paper: Paper, *, max_bytes: int) -> Path:
        """``download_pdf``, or the error it raised earlier in this run."""
        key = (paper.arxiv_id, paper.version, paper.links.pdf, max_bytes)
        if failure := self._failures.get(key):
            raise PdfFailedBefore(str(failure)) from failure
        try:
            return download_pdf(client, paper, self.cache_dir, max_bytes=max_bytes)
        except SourceError as exc:
            self._failures[key] = exc
            raise


def extract_pages(data: bytes | Path, *, max_pages: int = 40) -> list[str]:
    """Text of the first ``max_pages`` pages; SourceError when pdfium cannot read it."""
    import pypdfium2 as pdfium  # here: a day without PDFs (a digest) never pays its import

    try:
        document = pdfium.PdfDocument(data if isinstance(data, bytes) else str(data))
    except pdfium.PdfiumError as exc:
        raise SourceError(f"unreadable PDF: {exc}") from exc
    try:
        pages = []
        for index in range(min(len(document), max_pages)):
            textpage = document[index].get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
        return pages
    finally:
        document.close()


def pick_sections(pages: list[str], *, budget_tokens: int) -> str:
    """Introduction, method and conclusion, each cut to its share of the budget.

    Without recognisable headings, the start of the paper up to the budget.
    """
    text = "\n".join(pages)
    budget = budget_tokens * CHARS_PER_TOKEN
    sections: dict[str, list[str]] = {}
    marks = list(_HEADING.finditer(text))
    # Not strict: without any heading, the list of followers is [None] and marks is empty.
    for mark, following in zip(marks, [*marks[1:], None], strict=False):
        kind = _KIND.get(mark.group("name").lower())
        end = following.start() if following else len(text)
        if kind:
            sections.setdefault(kind, []).append(text[mark.end() : end].strip())
    if not sections:
        return text[:budget].strip()
    parts = []
    for kind, share in _SHARES.items():
        if kind in sections:
            body = "\n".join(sections[kind])[: int(budget * share)].strip()
            parts.append(f"## {kind.title()}\n{body}")
    return "\n\n".join(parts)


def full_text(
    client: httpx2.Client,
    paper: Paper,
    pdfs: PdfDownloads,
    *,
    budget_tokens: int,
    max_bytes: int,
) -> FullText:
    """The picked full text, or the abstract with the reason the PDF could not be used."""
    try:
        path = pdfs.get(client, paper, max_bytes=max_bytes)
        picked = pick_sections(extract_pages(path), budget_tokens=budget_tokens)
    except SourceError as exc:
        log.warning("%s: full text unavailable (%s); using the abstract", paper.arxiv_id, exc)
        return FullText("abstract", paper.abstract, reason=str(exc))
    if len(picked) < 200:
        return FullText("abstract", paper.abstract, reason="the PDF has almost no text layer")
    return FullText("full text", picked)
