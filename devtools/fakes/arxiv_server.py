"""A local stand-in for arXiv: the export API, the listing feeds, HTML pages and PDFs.

Point a topic's ``api_url`` at ``{base}/api/query`` and its ``listing_url``, ``html_url``
and ``pdf_url`` at ``{base}``. Then:

    GET /rss/<cats>               the configured listing body (``listings[cats]``, else
                                  ``listings["*"]``), else 404
    GET /api/query?search_query=  the configured search page for its ``start``
                                  (``search_pages``), else the recorded empty feed
    GET /api/query?id_list=       an Atom feed in the current API format, one entry per
                                  known id (``papers``); unknown ids are simply absent; a
                                  malformed id gets the recorded HTTP 400 error feed
    GET /html/<id>v<n>[/]         ``html[<id>v<n>]``, with or without the trailing slash (arXiv
                                  serves both, arXiv/arxiv-browse#782), else 404
    GET /html/<id>[/]             the page of the highest version in ``html``, served as is,
                                  not redirected (what arXiv does for an unversioned id)
    GET /html/<path>              ``images[<path>]`` (``2501.00001v1/x1.png``), typed by its
                                  extension, else 404
    GET <path in hostile>         one of ``devtools.fakes.hostile``'s answers (a slow loris,
                                  a huge body ...), checked before anything else
    GET <path in redirects>       302 to ``redirects[path]`` (checked before anything else)
    GET /pdf/<id>v<n>             ``pdfs[<id>v<n>]``, else 404

``latexml_paper`` builds an HTML version in either of the two shapes arXiv serves, with
its images at the paths a browser requests. Every request is recorded, in order, as
``(path, query)`` with the query as a dict of single values.
"""

from __future__ import annotations

import io
import mimetypes
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from PIL import Image

from devtools.fakes import hostile as misbehaving
from devtools.fakes import loopback

_NEW_ID = re.compile(r"^\d{4}\.\d{4,5}(?:v\d+)?$")
_OLD_ID = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?$")


@dataclass
class ArxivState:
    """What the server knows; tests fill it before (or while) it runs. ``empty_feed`` and
    ``error_feed`` are two real replies of the API, recorded: to a search past its last
    result, and the HTTP 400 feed for a malformed id ``abc`` (which names the id asked for
    instead). They are passed in, as the tests read their recordings themselves."""

    empty_feed: bytes = field(kw_only=True)
    error_feed: bytes = field(kw_only=True)
    listings: dict[str, bytes] = field(default_factory=dict)  # "cs.CV+cs.AI" or "*"
    search_pages: dict[int, bytes] = field(default_factory=dict)  # by ``start``
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)  # base id -> metadata
    html: dict[str, bytes] = field(default_factory=dict)  # "<id>v<n>" -> page
    images: dict[str, bytes] = field(default_factory=dict)  # "<id>v<n>/x1.png" -> image
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    pdfs: dict[str, bytes] = field(default_factory=dict)  # "<id>v<n>" -> PDF bytes
    hostile: dict[str, misbehaving.Answer] = field(default_factory=dict)  # path -> answer
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # time.monotonic() of each request
    user_agents: list[str] = field(default_factory=list)

    def paths(self, prefix: str = "/") -> list[str]:
        return [path for path, _ in self.requests if path.startswith(prefix)]

    def queries(self, key: str) -> list[dict[str, str]]:
        """The API requests that carried ``key`` (``search_query`` or ``id_list``)."""
        return [q for path, q in self.requests if path == "/api/query" and q.get(key)]


# --- Test data ------------------------------------------------------------------------------

_NS = {"dc": "http://purl.org/dc/elements/1.1/", "arxiv": "http://arxiv.org/schemas/atom"}
_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.S)


def papers_from_rss(raw: bytes) -> dict[str, dict[str, Any]]:
    """Metadata for ``papers`` from a real rss.arxiv.org listing (read with ElementTree, not
    with the code under test): title, abstract, categories, ``dc:creator`` authors, version
    and announce type, keyed by base id, in listing order."""
    found: dict[str, dict[str, Any]] = {}
    for item in ET.fromstring(raw).iter("item"):
        guid = (item.findtext("guid") or "").removeprefix("oai:arXiv.org:")
        arxiv_id, version = re.match(r"^(.*)v(\d+)$", guid).groups()  # type: ignore[union-attr]
        creators = item.findtext("dc:creator", "", _NS)
        found[arxiv_id] = {
            "version": int(version),
            "title": item.findtext("title", "").strip(),
            "abstract": _PREFIX.sub("", item.findtext("description", "")).strip(),
            "authors": [name.strip() for name in creators.split(",") if name.strip()],
            "categories": [c.text for c in item.findall("category") if c.text],
            "announce_type": item.findtext("arxiv:announce_type", "", _NS),
            "doi": item.findtext("arxiv:DOI", None, _NS),
            "journal_ref": item.findtext("arxiv:journal_reference", None, _NS),
        }
    return found


def atom_feed(papers: Sequence[tuple[str, Mapping[str, Any]]], *, query: str = "") -> bytes:
    """A reply of the export API in its current format (the shape of
    ``query_idlist-1207.7214_2026-05-02.atom.xml``) for ``(base id, metadata)`` pairs.

    Metadata keys: version, title, abstract, authors, categories (primary first),
    published, updated, comment, doi, journal_ref.
    """
    quoted = escape(query)
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">',
        "  <id>https://arxiv.org/api/fakeFeedId0000000000000000</id>",
        f"  <title>arXiv Query: {quoted}</title>",
        "  <updated>2026-05-02T13:29:18Z</updated>",
        f'  <link href="https://arxiv.org/api/query?{quoted}" type="application/atom+xml"/>',
        f"  <opensearch:itemsPerPage>{max(len(papers), 10)}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{len(papers)}</opensearch:totalResults>",
        "  <opensearch:startIndex>0</opensearch:startIndex>",
    ]
    for arxiv_id, meta in papers:
        lines += _entry(arxiv_id, meta)
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode()


def _entry(arxiv_id: str, meta: Mapping[str, Any]) -> list[str]:
    versioned = f"{arxiv_id}v{meta.get('version', 1)}"
    published = meta.get("published", "2024-11-27T12:00:00Z")
    categories = list(meta.get("categories") or ["cs.CV"])
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{escape(meta['title'])}</title>",
        f"    <updated>{meta.get('updated', published)}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" '
        'type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(meta.get('abstract', ''))}</summary>",
    ]
    lines += [
        f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories
    ]
    lines.append(f"    <published>{published}</published>")
    if meta.get("comment"):
        lines.append(f"    <arxiv:comment>{escape(meta['comment'])}</arxiv:comment>")
    lines.append(f'    <arxiv:primary_category term="{categories[0]}"/>')
    if meta.get("journal_ref"):
        lines.append(f"    <arxiv:journal_ref>{escape(meta['journal_ref'])}</arxiv:journal_ref>")
    for author in meta.get("authors") or ():
        lines += ["    <author>", f"      <name>{escape(author)}</name>", "    </author>"]
    if meta.get("doi"):
        lines.append(f"    <arxiv:doi>{escape(meta['doi'])}</arxiv:doi>")
        href = quoteattr(f"https://doi.org/{meta['doi']}")
        lines.append(f'    <link rel="related" href={href} title="doi"/>')
    lines.append("  </entry>")
    return lines


PageShape = Literal["base", "prefixed"]


def latexml_paper(
    versioned: str, names: Sequence[str], *, shape: PageShape, title: str = "A Paper"
) -> tuple[bytes, dict[str, bytes]]:
    """An arXiv HTML version of ``versioned`` ("2501.00001v1") with one figure per image
    name (as the converter names it: ``x1.png``, ``extracted/5852395/F2.jpg``), captioned
    ``Figure <n>: Panel <n> of <versioned>.``, and its images keyed for ``images``.

    Made up, not recorded (no whole real page of the first shape was found), after what
    arXiv is known to send:

    - ``base``: the conversions of arxiv-view-as-html declare ``<base href="/html/<id>v<n>/">``
      and name images bare, ``src="x1.png"`` or ``extracted/<n>/F2.jpg`` (arXiv/html_feedback
      #161 quotes the tag in 2023-12; arXiv/arxiv-view-as-html#157 names the converter line
      that wrote it). Pages not yet regenerated (mirrors, caches) still have this shape;
    - ``prefixed``: no ``<base>`` (dropped for 2603.* articles, arxiv-view-as-html#157;
      every article regenerated with latexml-oxide by 2026-08-11, html_feedback#946), the
      folder in each src, ``src="<id>v<n>/x1.png"``, resolved against the page URL without
      its trailing slash (the recorded ``html_2507.00150v1.excerpt.html``; html_feedback
      #6415: "use the link without a trailing slash"; #6854 on relative paths that 404).

    Either way a browser requests ``/html/<id>v<n>/<name>``; that is where the images are.
    The head and navigation carry the root-relative links of the real page, and the logo
    an ``<img>`` outside any figure.
    """
    head_base = f'<base href="/html/{versioned}/">\n' if shape == "base" else ""
    folder = "" if shape == "base" else f"{versioned}/"
    figures, images = [], {}
    for number, name in enumerate(names, start=1):
        figures.append(
            f'<figure id="S{number}.F{number}" class="ltx_figure">'
            f'<img src="{folder}{name}" id="S{number}.F{number}.g1" '
            'class="ltx_graphics ltx_centering ltx_img_landscape" width="476" height="357" '
            'alt="Refer to caption">\n<figcaption class="ltx_caption ltx_centering">'
            f'<span class="ltx_tag ltx_tag_figure">Figure {number}: </span>'
            f"Panel {number} of {versioned}.</figcaption>\n</figure>"
        )
        images[f"{versioned}/{name}"] = image(name, number)
    arxiv_id = re.sub(r"v\d+$", "", versioned)
    page = f"""<!DOCTYPE html><html lang="en">
<head>
<meta http-equiv="content-type" content="text/html; charset=UTF-8">
<title>{escape(title)}</title>
<!--Generated by LaTeXML (version 0.8.8) http://dlmf.nist.gov/LaTeXML/.-->
{head_base}<link rel="stylesheet" href="/static/browse/0.3.4/css/arxiv-html-papers-20260823.css" type="text/css">
<script src="/static/browse/0.3.4/js/arxiv-html-papers-20260131.js"> </script>
</head>
<body>
<header class="desktop_header"><a href="https://arxiv.org/"><img alt="logo" class="logo" src="/static/browse/0.3.4/images/arxiv-logo-one-color-white.svg"></a>
<a href="/abs/{arxiv_id}">Back to abstract page</a> <a href="/pdf/{versioned}">Download PDF</a></header>
<div class="ltx_page_main"><div class="ltx_page_content"><article class="ltx_document">
<h1 class="ltx_title ltx_title_document">{escape(title)}</h1>
{chr(10).join(figures)}
</article></div></div>
</body>
</html>
"""  # noqa: E501
    return page.encode(), images


def image(name: str, seed: int = 1) -> bytes:
    """A small image in the format its name says (PNG unless .jpg/.jpeg), a different
    colour for each ``seed``."""
    kind = "JPEG" if name.lower().endswith((".jpg", ".jpeg")) else "PNG"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), ((seed * 70) % 256, 90, 160)).save(buffer, format=kind)
    return buffer.getvalue()


# --- The server -----------------------------------------------------------------------------


def _id_list_reply(state: ArxivState, query: dict[str, str]) -> tuple[int, bytes]:
    ids = [i.strip() for i in query["id_list"].split(",") if i.strip()]
    for wanted in ids:
        if not (_NEW_ID.match(wanted) or _OLD_ID.match(wanted)):
            # The real error feed, naming the id the way arXiv does.
            return 400, state.error_feed.replace(b"abc", wanted.encode())
    found = []
    for wanted in ids:
        base, version = re.match(r"^(.*?)(?:v(\d+))?$", wanted).groups()  # type: ignore[union-attr]
        meta = state.papers.get(base)
        if meta is None or (version and int(version) > meta.get("version", 1)):
            continue
        found.append((base, {**meta, "version": int(version)} if version else meta))
    start, most = int(query.get("start", 0)), int(query.get("max_results", 10))
    text = "search_query=&id_list={}&start={}&max_results={}".format(query["id_list"], start, most)
    return 200, atom_feed(found[start : start + most], query=text)


def _html_reply(state: ArxivState, rest: str) -> tuple[bytes, str] | None:
    """``(body, content type)`` for ``GET /html/<rest>``: a page, then an image."""
    page = rest.removesuffix("/")
    if page in state.html:
        return state.html[page], "text/html; charset=utf-8"
    versions = [k for k in state.html if re.fullmatch(rf"{re.escape(page)}v\d+", k)]
    if versions:
        latest = max(versions, key=lambda k: int(k.rsplit("v", 1)[1]))
        return state.html[latest], "text/html; charset=utf-8"
    if rest in state.images:
        kind = mimetypes.guess_type(rest)[0] or "application/octet-stream"
        return state.images[rest], kind
    return None


@contextmanager
def serve_arxiv(state: ArxivState) -> Iterator[str]:
    """Run the server for the ``with`` block; yields its base URL (no trailing slash)."""

    class Handler(loopback.Handler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            state.requests.append((url.path, query))
            state.times.append(time.monotonic())
            state.user_agents.append(self.headers.get("User-Agent", ""))
            if url.path in state.hostile:
                return misbehaving.send(self, state.hostile[url.path])
            if url.path in state.redirects:
                location = {"Location": state.redirects[url.path]}
                return self.answer(302, b"", "text/plain", location)
            atom, rss = "application/atom+xml; charset=utf-8", "application/rss+xml"
            if url.path == "/api/query":
                if query.get("id_list") and not query.get("search_query"):
                    status, body = _id_list_reply(state, query)
                    return self.answer(status, body, atom)
                start = int(query.get("start", 0))
                return self.answer(200, state.search_pages.get(start, state.empty_feed), atom)
            if url.path.startswith("/rss/"):
                cats = url.path.removeprefix("/rss/")
                body = state.listings.get(cats, state.listings.get("*"))
                if body is None:
                    return self.answer(404, b"Not Found", "text/plain")
                return self.answer(200, body, rss)
            if url.path.startswith("/html/"):
                found = _html_reply(state, unquote(url.path.removeprefix("/html/")))
                if found is None:
                    return self.answer(404, b"Not Found", "text/plain")
                return self.answer(200, *found)
            if url.path.startswith("/pdf/"):
                data = state.pdfs.get(url.path.removeprefix("/pdf/"))
                if data is None:
                    return self.answer(404, b"Not Found", "text/plain")
                return self.answer(200, data, "application/pdf")
            return self.answer(404, b"Not Found", "text/plain")

    with loopback.serve(Handler) as base:
        yield base
