"""Paper screenshots, in order of preference:

1. the figures of the arXiv HTML version (``figure.ltx_figure img``; caption as alt text),
2. the Hugging Face thumbnail of the paper,
3. images rendered here from the PDF with pypdfium2 (mode ``local`` only): the first page,
   and pages with figure captions, cropped to the area above the caption.

Links are hot-linked with credit (the post links the paper); rendered images are saved
as WebP (or JPEG) under the assets folder, each under a size cap.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import pypdfium2 as pdfium

from paperpress.errors import SourceError
from paperpress.store import write_bytes_if_changed
from paperpress.text import one_line, safe_filename

log = logging.getLogger(__name__)

_CAPTION = re.compile(r"^\s*(Figure|Fig\.)\s*\d+\s*[:.]", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    url: str
    caption: str
    source: Literal["html", "hf", "pdf"]


# --- arXiv HTML (pure) --------------------------------------------------------------------


class _FigureParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: list[tuple[str, str]] = []
        self.base_href: str | None = None  # of the first <base> with an href
        self._depth = 0  # nesting inside the outermost figure.ltx_figure
        self._src: str | None = None
        self._caption: list[str] = []
        self._in_caption = 0
        self._in_math = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "base" and self.base_href is None and values.get("href") is not None:
            self.base_href = values["href"]
        if tag == "figure":
            if self._depth or "ltx_figure" in classes:
                self._depth += 1
            return
        if not self._depth:
            return
        src = values.get("src") or ""
        if tag == "img" and self._src is None and src and not src.startswith("data:"):
            self._src = src
        elif tag == "figcaption" and self._depth == 1:  # not a panel's own "(a) ..." caption
            self._in_caption += 1
        elif tag == "math":
            self._in_math += 1
            if self._in_caption and values.get("alttext"):
                self._caption.append(f"${values['alttext']}$")

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure" and self._depth:
            self._depth -= 1
            if not self._depth:
                if self._src:
                    self.figures.append((self._src, one_line(" ".join(self._caption))))
                self._src, self._caption = None, []
        elif tag == "figcaption" and self._in_caption and self._depth == 1:
            self._in_caption -= 1
        elif tag == "math" and self._in_math:
            self._in_math -= 1

    def handle_data(self, data: str) -> None:
        if self._in_caption and not self._in_math:
            self._caption.append(data)


def parse_html_figures(page: str, page_url: str) -> list[Figure]:
    """Figures of an arXiv HTML page, each ``src`` resolved as a browser resolves it:
    against the document's base URL (``document_base_url``). ``page_url`` is the URL the
    page was read from, after redirects. A figure whose src gives no http(s) URL is dropped.
    """
    parser = _FigureParser()
    parser.feed(page)
    parser.close()
    base = document_base_url(page_url, parser.base_href)
    resolved = [(_http_url(base, src), caption) for src, caption in parser.figures]
    return [Figure(url, caption, "html") for url, caption in resolved if url]


def document_base_url(page_url: str, base_href: str | None) -> str:
    """The URL that relative references resolve against (HTML's "frozen base URL"): the
    href of the document's first ``<base>`` with one, resolved against the page's URL;
    the page's URL when there is none, or when it gives a ``data:``/``javascript:`` URL.

    arXiv HTML versions come in two shapes: ``<base href="/html/<id>v<n>/">`` with bare
    ``src="x1.png"``, or no ``<base>`` and ``src="<id>v<n>/x1.png"``. Only resolving as a
    browser does gets both right.
    """
    if base_href is None:
        return page_url
    try:
        base = urljoin(page_url, _url_text(base_href))
        scheme = urlsplit(base).scheme
    except ValueError:  # an href no URL parser accepts ("http://[::1")
        return page_url
    return page_url if scheme in ("data", "javascript") else base


def _http_url(base: str, reference: str) -> str | None:
    try:
        url = urljoin(base, _url_text(reference))
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and other unparseable hosts
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


_NOT_IN_URLS = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def _url_text(value: str) -> str:
    """An attribute value as the URL parser reads it: tabs and newlines removed, control
    characters and spaces stripped from both ends."""
    return _NOT_IN_URLS.sub("", value).strip(_C0_AND_SPACE)


# --- PDF renders (the shell: writes files) -------------------------------------------------


def render_pdf_figures(
    pdf: Path | bytes,
    *,
    out_dir: Path,
    url_prefix: str,
    name: str,
    limit: int,
    max_bytes: int,
    scale: float = 1.5,
) -> list[Figure]:
    """The first page, then pages with a figure caption cropped above the caption."""
    import pypdfium2 as pdfium  # here: a day without PDFs (a digest) never pays its import

    try:
        document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    except pdfium.PdfiumError as exc:
        raise SourceError(f"unreadable PDF: {exc}") from exc
    figures: list[Figure] = []
    try:
        for index in range(len(document)):
            if len(figures) >= limit:
                break
            page = document[index]
            crop, caption = _figure_crop(page) if index else ((0, 0, 0, 0), "first page")
            if index and caption is None:
                continue
            image = page.render(scale=scale, crop=crop).to_pil()
            data, extension = _compress(image, max_bytes)
            if data is None:
                log.info("%s page %d: no rendering fits %d bytes", name, index + 1, max_bytes)
                continue
            filename = f"{safe_filename(name)}-p{index + 1}.{extension}"
            write_bytes_if_changed(out_dir / filename, data)
            figures.append(Figure(f"{url_prefix.rstrip('/')}/{filename}", caption, "pdf"))
    finally:
        document.close()
    return figures


def _figure_crop(page: pdfium.PdfPage) -> tuple[tuple[float, float, float, float], str | None]:
    """Crop (left, bottom, right, top margins) keeping the area above a figure caption."""
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    _width, height = page.get_size()
    for line_start in [0, *[m.end() for m in re.finditer(r"\n", text)]]:
        line = text[line_start:].split("\r", 1)[0].split("\n", 1)[0]
        if _CAPTION.match(line):
            boxes = [textpage.get_charbox(line_start + i) for i in range(min(len(line), 5))]
            caption_top = max(box[3] for box in boxes)
            caption_bottom = min(box[1] for box in boxes)
            figure_top = min(height, caption_top + height * 0.55)
            crop = (0, max(0.0, caption_bottom - 4), 0, max(0.0, height - figure_top))
            return crop, one_line(line)
    return (0, 0, 0, 0), None


def _compress(image, max_bytes: int) -> tuple[bytes | None, str]:
    image = image.convert("RGB")
    for scale in (1.0, 0.75, 0.5):
        sized = (
            image
            if scale == 1.0
            else image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
        )
        for quality in (80, 60, 40):
            buffer = io.BytesIO()
            sized.save(buffer, format="WEBP", quality=quality, method=4)
            if buffer.tell() <= max_bytes:
                return buffer.getvalue(), "webp"
    return None, "webp"
