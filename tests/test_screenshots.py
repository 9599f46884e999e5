"""Paper screenshots: arXiv HTML figures (pure parsing) and PDF renders (written files)."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from devtools.pdfmaker import paper_pdf
from paperpress.errors import SourceError
from paperpress.screenshots import (
    Figure,
    parse_html_figures,
    render_pdf_figures,
)
from tests.helpers import figure_page

PAGE_URL = "https://arxiv.org/html/2401.00001v1"


# --- parse_html_figures ------------------------------------------------------------------


def test_fixture_figure_url_and_caption():
    page = figure_page().decode("utf-8")
    [figure] = parse_html_figures(page, "https://arxiv.org/html/2507.00150v1")
    assert figure.url == "https://arxiv.org/html/2507.00150v1/plot1_distributions_600.png"
    assert figure.source == "html"
    caption = figure.caption
    assert caption.startswith("Figure 1: $v_{\\rm T}$ distribution from 1,000 realizations")
    assert caption.endswith("respectively.")
    # The LaTeX of each <math alttext>, once; not the MathML presentation or annotation text.
    assert caption.count("v_{\\rm T}") == 1
    assert caption.count("\\rm esc") == 2  # $v_{\rm esc}$ and $P_{\rm esc,0}=$
    assert "$\\sim 500$" in caption
    assert "∼" not in caption
    assert "\n" not in caption and "  " not in caption


def figure(src: str, caption: str, cls: str = "ltx_figure") -> str:
    return (
        f'<figure class="{cls}"><img src="{src}" alt="Refer to caption">'
        f'<figcaption class="ltx_caption"><span class="ltx_tag">{caption.split(":")[0]}: </span>'
        f"{caption.split(':', 1)[1].strip()}</figcaption></figure>"
    )


def test_root_relative_src_resolves_against_the_host():
    page = figure("/html/2406.17759/assets/x1.png", "Figure 1: Overview.")
    [found] = parse_html_figures(page, "https://arxiv.org/html/2406.17759v1")
    assert found == Figure(
        "https://arxiv.org/html/2406.17759/assets/x1.png", "Figure 1: Overview.", "html"
    )


def test_absolute_src_is_kept():
    page = figure("https://cdn.test/a.png", "Figure 1: Elsewhere.")
    assert parse_html_figures(page, PAGE_URL)[0].url == "https://cdn.test/a.png"


def test_nested_panels_give_one_figure_with_the_outer_caption():
    page = """
    <figure id="S4.F3" class="ltx_figure"><div class="ltx_flex_figure">
      <div class="ltx_flex_cell">
        <figure id="S4.F3.sf1" class="ltx_figure ltx_figure_panel ltx_align_center">
          <img src="2401.00001v1/left.png" class="ltx_graphics" alt="Refer to caption">
          <figcaption class="ltx_caption"><span class="ltx_tag">(a) </span>Left panel</figcaption>
        </figure>
      </div>
      <div class="ltx_flex_cell">
        <figure id="S4.F3.sf2" class="ltx_figure ltx_figure_panel ltx_align_center">
          <img src="2401.00001v1/right.png" class="ltx_graphics" alt="Refer to caption">
          <figcaption class="ltx_caption"><span class="ltx_tag">(b) </span>Right panel</figcaption>
        </figure>
      </div></div>
      <figcaption class="ltx_caption"><span class="ltx_tag">Figure 3: </span>Both panels.
      </figcaption>
    </figure>
    """
    assert parse_html_figures(page, PAGE_URL) == [
        Figure("https://arxiv.org/html/2401.00001v1/left.png", "Figure 3: Both panels.", "html")
    ]


def test_tables_data_uris_and_imageless_figures_are_skipped():
    page = "".join(
        [
            figure("table1.png", "Table 1: Results.", cls="ltx_table"),
            figure("data:image/png;base64,iVBORw0KGgo=", "Figure 1: Inline data."),
            '<figure class="ltx_figure"><svg><rect width="10" height="10"/></svg>'
            '<figcaption class="ltx_caption">Figure 2: A drawing.</figcaption></figure>',
            '<img src="logo.png"><p>Body text with <img src="inline.png"> an image.</p>',
        ]
    )
    assert parse_html_figures(page, PAGE_URL) == []


def test_several_figures_keep_document_order():
    page = "\n".join(
        [
            figure("2401.00001v1/c.png", "Figure 1: First."),
            figure("2401.00001v1/t.png", "Table 1: Not a figure.", cls="ltx_table"),
            figure("2401.00001v1/a.png", "Figure 2: Second."),
            '<figure class="ltx_figure"><svg></svg><figcaption>Figure 3: No image.</figcaption>'
            "</figure>",
            figure("2401.00001v1/b.png", "Figure 4: Third."),
        ]
    )
    found = parse_html_figures(page, PAGE_URL)
    assert [(f.url.rsplit("/", 1)[1], f.caption) for f in found] == [
        ("c.png", "Figure 1: First."),
        ("a.png", "Figure 2: Second."),
        ("b.png", "Figure 4: Third."),
    ]


# --- The document's base URL, as a browser resolves it --------------------------------------
# The two shapes of arXiv HTML versions (see devtools/fakes/arxiv_server.latexml_paper for the
# sources): <base href="/html/<id>v<n>/"> with bare names, or no <base> and the folder in
# every src. Both must give the URL a browser requests.

ID_V = "2501.00001v1"
AT_ARXIV = f"https://arxiv.org/html/{ID_V}"


def with_head(head: str, *figures: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{''.join(figures)}</body></html>"


def urls(page: str, page_url: str = AT_ARXIV) -> list[str]:
    return [f.url for f in parse_html_figures(page, page_url)]


def test_a_root_relative_base_with_bare_names():
    page = with_head(f'<base href="/html/{ID_V}/">', figure("x1.png", "Figure 1: One."))
    assert urls(page) == [f"https://arxiv.org/html/{ID_V}/x1.png"]  # not /html/x1.png


def test_a_base_and_names_in_subfolders():
    page = with_head(
        f'<base href="/html/{ID_V}/">',
        figure("extracted/5852395/F2.jpg", "Figure 1: One."),
        figure("figures/arch.png", "Figure 2: Two."),
    )
    assert urls(page) == [
        f"https://arxiv.org/html/{ID_V}/extracted/5852395/F2.jpg",
        f"https://arxiv.org/html/{ID_V}/figures/arch.png",
    ]


def test_no_base_and_the_folder_in_each_src():
    page = with_head("", figure(f"{ID_V}/x1.png", "Figure 1: One."))
    assert urls(page) == [f"https://arxiv.org/html/{ID_V}/x1.png"]


def test_the_unversioned_page_url_with_a_versioned_base():
    """arXiv serves the latest version at /html/<id>; its <base> names the version."""
    page = with_head('<base href="/html/2501.00001v3/">', figure("x1.png", "Figure 1: One."))
    assert urls(page, "https://arxiv.org/html/2501.00001") == [
        "https://arxiv.org/html/2501.00001v3/x1.png"
    ]


def test_an_absolute_base_wins_over_the_page_url():
    page = with_head(
        f'<base href="https://arxiv.org/html/{ID_V}/">', figure("x1.png", "Figure 1: One.")
    )
    assert urls(page, f"http://mirror.test/papers/{ID_V}") == [
        f"https://arxiv.org/html/{ID_V}/x1.png"
    ]


def test_a_relative_base_resolves_against_the_page_url():
    page = with_head(f'<base href="{ID_V}/">', figure("x1.png", "Figure 1: One."))
    assert urls(page) == [f"https://arxiv.org/html/{ID_V}/x1.png"]
    page = with_head('<base href="../assets/">', figure("x1.png", "Figure 1: One."))
    assert urls(page, f"https://mirror.test/a/b/{ID_V}") == ["https://mirror.test/a/assets/x1.png"]


def test_the_trailing_slash_of_the_page_url_matters_without_a_base():
    """As in a browser: that is why arXiv asks for links without it (html_feedback#6415),
    and why the HTML version is requested as /html/<id>v<n>."""
    page = with_head("", figure(f"{ID_V}/x1.png", "Figure 1: One."))
    assert urls(page, f"{AT_ARXIV}/") == [f"https://arxiv.org/html/{ID_V}/{ID_V}/x1.png"]
    based = with_head(f'<base href="/html/{ID_V}/">', figure("x1.png", "Figure 1: One."))
    assert urls(based, f"{AT_ARXIV}/") == urls(based, AT_ARXIV)


def test_the_first_base_with_an_href_counts_even_after_the_figures():
    page = with_head(
        '<base target="_blank"><base href="/first/">',
        figure("x1.png", "Figure 1: One."),
        '<base href="/second/">',
    )
    assert urls(page) == ["https://arxiv.org/first/x1.png"]
    late = with_head("", figure("x1.png", "Figure 1: One."), '<base href="/late/">')
    assert urls(late) == ["https://arxiv.org/late/x1.png"]


@pytest.mark.parametrize("href", ["javascript:void(0)", "data:text/html,x", "http://[::1/"])
def test_a_javascript_data_or_unparseable_base_is_ignored(href):
    page = with_head(f'<base href="{href}">', figure(f"{ID_V}/x1.png", "Figure 1: One."))
    assert urls(page) == [f"https://arxiv.org/html/{ID_V}/x1.png"]


def test_whitespace_around_src_and_href_is_stripped():
    page = with_head(f'<base href="\n /html/{ID_V}/ ">', figure(" x1.png\n", "Figure 1: One."))
    assert urls(page) == [f"https://arxiv.org/html/{ID_V}/x1.png"]


@pytest.mark.parametrize(
    "src",
    [
        "javascript:alert(1)",
        "mailto:a@b.test",
        "ftp://ftp.test/x1.png",
        "file:///tmp/x1.png",
        "blob:https://arxiv.org/1234",
        "http://[::1/x1.png",
        "about:blank",
    ],
)
def test_a_src_that_is_no_http_url_drops_the_figure(src):
    page = with_head(
        "", figure(src, "Figure 1: Gone."), figure(f"{ID_V}/x2.png", "Figure 2: Kept.")
    )
    assert [f.caption for f in parse_html_figures(page, AT_ARXIV)] == ["Figure 2: Kept."]


def test_a_page_read_from_a_file_gives_no_relative_figures():
    page = with_head(
        "", figure("x1.png", "Figure 1: Local."), figure("https://cdn.test/a.png", "Figure 2: Web.")
    )
    assert urls(page, "file:///tmp/page.html") == ["https://cdn.test/a.png"]


@settings(max_examples=300, deadline=None)
@given(base=st.text(max_size=30), src=st.text(min_size=1, max_size=30))
def test_every_figure_url_is_an_absolute_http_url(base, src):
    page = with_head(
        f"<base href={quoteattr(base)}>",
        f'<figure class="ltx_figure"><img src={quoteattr(src)}></figure>',
    )
    for url in urls(page, "https://arxiv.org/html/2501.00001v1"):
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc


# --- render_pdf_figures ------------------------------------------------------------------

PDF = paper_pdf()
SCALE = 1.5
FULL_HEIGHT = round(792 * SCALE)  # the demo PDF's pages are US Letter, 612 x 792 pt
BOX_RGB = (140, 153, 178)  # pdfmaker's "0.55 0.6 0.7 rg" box fill


def render(tmp_path, pdf=PDF, **options):
    settings = {
        "out_dir": tmp_path / "img",
        "url_prefix": "/images/2501.00001",
        "name": "2501.00001",
        "limit": 5,
        "max_bytes": 100_000,
        "scale": SCALE,
    }
    return render_pdf_figures(pdf, **(settings | options))


def box_pixels(image: Image.Image) -> int:
    """How many pixels have (about) the box colour; WebP is lossy, so allow a little."""
    colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return sum(
        count
        for count, rgb in colours
        if all(abs(a - b) <= 8 for a, b in zip(rgb, BOX_RGB, strict=True))
    )


def test_render_writes_the_first_page_and_the_figure_page(tmp_path):
    figures = render(tmp_path)
    assert figures == [
        Figure("/images/2501.00001/2501.00001-p1.webp", "first page", "pdf"),
        Figure(
            "/images/2501.00001/2501.00001-p2.webp", "Figure 1: Overview of our sampler.", "pdf"
        ),
    ]
    files = sorted(p.name for p in (tmp_path / "img").iterdir())
    assert files == ["2501.00001-p1.webp", "2501.00001-p2.webp"]
    for name in files:
        path = tmp_path / "img" / name
        assert path.stat().st_size <= 100_000
        with Image.open(path) as image:
            assert image.format == "WEBP"


def test_render_first_page_is_whole_and_figure_page_is_cropped(tmp_path):
    render(tmp_path)
    with (
        Image.open(tmp_path / "img" / "2501.00001-p1.webp") as first,
        Image.open(tmp_path / "img" / "2501.00001-p2.webp") as second,
    ):
        assert first.size == (round(612 * SCALE), FULL_HEIGHT)
        assert second.width == first.width
        assert second.height < FULL_HEIGHT * 0.6
        assert box_pixels(first) == 0
        # The 360 x 260 pt box is inside the crop (at least 90% of its pixels).
        assert box_pixels(second) >= 0.9 * (360 * SCALE) * (260 * SCALE)


def test_render_url_prefix_with_a_trailing_slash_and_an_old_style_id(tmp_path):
    figures = render(tmp_path, url_prefix="/images/x/", name="hep-th/9901002", limit=1)
    assert [f.url for f in figures] == ["/images/x/hep-th_9901002-p1.webp"]
    assert [p.name for p in (tmp_path / "img").iterdir()] == ["hep-th_9901002-p1.webp"]


def test_render_limit_one_gives_only_the_first_page(tmp_path):
    figures = render(tmp_path, limit=1)
    assert [f.caption for f in figures] == ["first page"]
    assert [p.name for p in (tmp_path / "img").iterdir()] == ["2501.00001-p1.webp"]


def test_render_with_a_tiny_size_cap_writes_nothing(tmp_path):
    assert render(tmp_path, max_bytes=200) == []
    out = tmp_path / "img"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", b"not a pdf"])
def test_render_broken_bytes_is_a_source_error(tmp_path, data):
    with pytest.raises(SourceError, match="unreadable PDF"):
        render(tmp_path, pdf=data)


def test_render_from_a_path(tmp_path):
    (tmp_path / "paper.pdf").write_bytes(PDF)
    assert len(render(tmp_path, pdf=tmp_path / "paper.pdf")) == 2


def test_render_twice_is_idempotent(tmp_path):
    first = render(tmp_path)
    out = tmp_path / "img"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert render(tmp_path) == first
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    assert after == before
