"""Hostile TeX and URLs in both example blogs, as a reader's browser shows them: the real
CLI makes a digest and a topic post per blog from papers and LLM replies shaped like an
attacker's, devtools/site.py builds them with the real Hugo and Hexo, and headless
Chromium loads each page with the real MathJax (served locally at the CDN's path).

- TeX that links or styles (``\\href{javascript:...}``, ``\\style{position:fixed...}``,
  ``\\class``, ``\\cssId``, ``\\mmlToken``'s attributes, ``\\bbox``'s style ...) in a title,
  an abstract and a reply makes no javascript: link and styles nothing: paperpress
  neutralizes it (its backslash becomes U+FF3C).
- The layouts alone do too: a post written by hand with the same TeX, raw, bypassing
  paperpress, makes no javascript: link and no styled element (MathJax's ui/safe).
- A bare URL in LLM text that the paper itself does not name stays text (no autolink by
  Hugo's linkify or marked's GFM); one that its abstract names may be a link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.browser import Chromium
from devtools.fakes.arxiv_server import atom_feed, serve_arxiv
from devtools.fakes.hf_server import HFState, serve_hf
from devtools.fakes.hostile import hf_item
from devtools.fakes.openai_server import Action, FakeOpenAI, reply
from devtools.site import Page, build_hexo, build_hugo, find_posts
from paperpress.cli import main
from tests import helpers
from tests.helpers import DIGEST_REPLY, HF_DAY, TOPIC_REPLY, arxiv_state, hf_items, metadata

DAY = HF_DAY
# TeX that MathJax's html extension turns into a link, a style, a class or an id.
LINK = r"$\href{javascript:alert(1)}{click}$"
STYLE = r"$\style{position:fixed;top:0;left:0;width:100%;height:100%;background:red}{X}$"
CLASS = r"$\class{PWNED}{x}$"
CSS_ID = r"$\cssId{PWNED}{y}$"
OTHERS = r"$\url{javascript:alert(2)}$ $\htmlClass{PWNED}{z}$ $\require{html}\class{PWNED}{w}$"
# The same through MathJax's base (\mmlToken's attributes) and bbox (its style option);
# unquoted, because Hugo's typographer would make "..." curly quotes, a relative URL.
TOKEN = r"$\mmlToken{mi}[href=javascript:alert(3),class=PWNED,id=PWNED]{t}$"
BBOX = r"$\bbox[position:fixed;top:0;left:0;width:100%;height:100%;background:red]{B}$"
ATTACK = f"{LINK} {STYLE} {CLASS} {CSS_ID} {OTHERS} {TOKEN} {BBOX}"
ACTIVE = ("\\href", "\\style", "\\class", "\\cssId", "\\mmlToken", "\\bbox")
EVIL = "https://evil.example/phish"  # named by the LLM only
OWN = "https://own.example/project"  # named in the paper's abstract
HOSTILE_ID = "2511.80001"


def hostile_digest_items() -> list[dict[str, Any]]:
    return [
        hf_item(
            HOSTILE_ID,
            f"Math title {LINK} {STYLE}",
            summary=f"Project page: {OWN} and our abstract. {ATTACK}",
            upvotes=99,
        ),
        *hf_items()[:2],
    ]


def hostile_search() -> bytes:
    meta = metadata()["2411.17769"]
    paper = {
        **meta,
        "title": f"Video diffusion {LINK} {CLASS}",
        "abstract": f"Video diffusion, see {OWN} for the project. {ATTACK}",
        "comment": f"12 pages {STYLE}",
    }
    return atom_feed([("2411.17769", paper)])


# Other autolinks: ftp, e-mail, and the paper's own URL with more after it, which Hugo's
# linkify takes whole (up to a space) and which resolves to another path on that host.
FTP, MAIL = "ftp://evil.example/x", "evil@evil.example"
TRAVERSALS = (f"{OWN}'/../../../attacker/malware", f'{OWN}"/../../../attacker/malware')
CURLY = str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")
SAYS = (
    f"It links to {EVIL} and www.evil.example/login for the code, and to {OWN}. {ATTACK} "
    f"Get it at {FTP} or from {MAIL}; mirrors: {TRAVERSALS[0]} {TRAVERSALS[1]}"
)


def hostile_reply(body: dict[str, Any]) -> Action:
    """Every free-text field of the reply asked for with the attack and a foreign URL."""
    schema = body["response_format"]["json_schema"]["schema"]
    if "takeaways" in schema["properties"]:
        content = {
            **TOPIC_REPLY,
            "tldr": SAYS,
            "takeaways": [SAYS, LINK, STYLE],
            "background": SAYS,
            "proposed_method": SAYS,
        }
    else:
        content = {**DIGEST_REPLY, "tldr": SAYS, "main_work": SAYS, "highlights": [SAYS, LINK]}
    return reply(json.dumps(content))


def write_config(project: Path, flavor: str, language: str, hf: str, arxiv: str) -> str:
    folder = project / flavor
    data = {
        "site": {"flavor": flavor, "timezone": "Asia/Shanghai", "posts_dir": "posts"},
        "llm": {"language": language, "max_retries": 0},
        "feeds": [
            {"name": "hf-daily", "kind": "hf_daily", "base_url": hf, "faithfulness": False},
            {
                **helpers.topic(arxiv, source="api", fulltext=False),
                "faithfulness": False,
                "screenshots": "none",
            },
        ],
    }
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return str(folder / "config.yaml")


# Posts written by hand, raw TeX and all, as someone might write one next to paperpress's.
BY_HAND = {
    "hugo": (
        '---\ntitle: "Raw TeX"\ndate: 2025-11-11T00:00:00+08:00\n'
        'lastmod: 2025-11-11T00:00:00+08:00\ndraft: false\nmath: true\ntags: ["raw"]\n---\n\n'
    ),
    "hexo": (
        "---\ntitle: Raw TeX\ndate: 2025-11-11 00:00:00\nupdated: 2025-11-11 00:00:00\n"
        "mathjax: true\ntags: [raw]\n---\n\n"
    ),
}
RAW = [LINK, STYLE, CLASS, CSS_ID, TOKEN, BBOX]


@dataclass(frozen=True)
class Site:
    out: Path
    pages: dict[str, Page]  # by post file stem


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    helpers.hugo()
    helpers.node()
    helpers.hexo_modules()
    tmp = tmp_path_factory.mktemp("hostile-blog")
    state = arxiv_state(search_pages={0: hostile_search()})
    with (
        serve_hf(HFState(days={DAY: hostile_digest_items()})) as hf,
        serve_arxiv(state) as arxiv,
        FakeOpenAI(default=hostile_reply) as llm,
    ):
        environ = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": llm.base_url}
        for flavor, language in (("hexo", "zh"), ("hugo", "en")):
            config = write_config(tmp, flavor, language, hf, arxiv)
            assert main(["run", "--config", config, "--date", DAY], environ=environ) == 0
    built = {}
    for flavor, build in (("hugo", build_hugo), ("hexo", build_hexo)):
        by_hand = tmp / flavor / "by-hand" / "raw-tex.md"
        by_hand.parent.mkdir()
        by_hand.write_text(
            BY_HAND[flavor] + "\n\n".join(["Raw TeX, bypassing paperpress.", *RAW]) + "\n"
        )
        posts = find_posts(tmp / flavor / "posts") + find_posts(by_hand.parent)
        assert len(posts) == 3, posts
        out = tmp / "build" / flavor
        built[flavor] = Site(out, {page.source.name: page for page in build(posts, {}, out)})
    return built


# What the page became once MathJax typeset it: every element that links to javascript:,
# is fixed over the page, is painted red, has a style of the text's (MathJax's own are a
# font size and a relative position), or has the class or the id the text names; the TeX
# MathJax read; the links and the text of the post.
_PROBE = r"""(async () => {
  if (!window.MathJax || !MathJax.startup) return null;
  await MathJax.startup.promise;
  await document.fonts.ready;
  const all = [...document.querySelectorAll('*')];
  const show = (node) => node.outerHTML.slice(0, 160);
  const where = (node) => ['href', 'src', 'xlink:href', 'action', 'formaction']
    .map((name) => node.getAttribute(name) || '').join(' ').replace(/\s/g, '');
  const classes = (node) => String(node.className && node.className.baseVal !== undefined
    ? node.className.baseVal : node.className || '').split(/\s+/);
  const style = (node) => node.getAttribute('style') || '';
  const computed = (node) => getComputedStyle(node);
  return {
    javascript: all.filter((node) => /javascript:/i.test(where(node))).map(show),
    fixed: all.filter((node) => computed(node).position === 'fixed').map(show),
    red: all.filter((node) => computed(node).backgroundColor === 'rgb(255, 0, 0)').map(show),
    styledMath: all.filter((node) => node.closest('mjx-container')
      && /fixed|background|100%/i.test(style(node))).map(show),
    named: all.filter((node) => classes(node).includes('PWNED') || node.id === 'PWNED')
      .map(show),
    tex: [...MathJax.startup.document.math].map((item) => item.math),
    containers: document.querySelectorAll('.post-content mjx-container').length,
    hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    text: document.querySelector('.post-content').textContent.replace(/\s+/g, ' '),
  };
})()"""


def probe_page(sites, browser: Chromium, served, flavor: str, name: str) -> dict[str, Any]:
    """``probe`` on the page built from post ``name`` of the ``flavor`` blog, at desktop width."""
    browser.emulate(1280, 900)
    return probe(browser, served[flavor] + sites[flavor].pages[name].url)


def probe(browser: Chromium, url: str) -> dict[str, Any]:
    browser.open(url)
    found = browser.evaluate(_PROBE)
    assert found is not None, f"{url}: MathJax did not load"
    assert found["containers"] > 0, f"{url}: MathJax typeset nothing"
    return found


def assert_nothing_links_or_styles(found: dict[str, Any], where: str) -> None:
    for name in ("javascript", "fixed", "red", "styledMath", "named"):
        assert found[name] == [], (where, name, found[name])


PAPERPRESS_POSTS = [f"{DAY}-hf-daily", f"{DAY}-video-diffusion"]


@pytest.mark.parametrize("flavor", ["hugo", "hexo"])
@pytest.mark.parametrize("name", PAPERPRESS_POSTS, ids=["digest", "topic"])
def test_tex_that_links_or_styles_does_nothing_in_a_paperpress_post(
    sites, browser, served, flavor, name
):
    found = probe_page(sites, browser, served, flavor, name)
    assert_nothing_links_or_styles(found, f"{flavor} {name}")
    # Not for want of trying: the attack reached MathJax from the title, the abstract and
    # the reply, each time with its backslash made harmless.
    neutralized = [tex for tex in found["tex"] if "\uff3chref{javascript:alert(1)}" in tex]
    assert len(neutralized) >= 3, found["tex"]
    assert not [tex for tex in found["tex"] if any(c in tex for c in ACTIVE)], found["tex"]
    assert [tex for tex in found["tex"] if "\uff3cmmlToken" in tex or "\uff3cbbox" in tex]


@pytest.mark.parametrize("flavor", ["hugo", "hexo"])
def test_the_layouts_alone_make_no_link_or_style_from_raw_tex(sites, browser, served, flavor):
    """A post written by hand, raw ``\\href{javascript:...}`` and ``\\style`` in it: the
    layout's MathJax (ui/safe) typesets it and makes no javascript: link and no style."""
    found = probe_page(sites, browser, served, flavor, "raw-tex")
    raw = {tex for tex in found["tex"] if any(c in tex for c in ACTIVE)}
    assert len(raw) == len(RAW), found["tex"]  # the TeX reached MathJax as written
    assert_nothing_links_or_styles(found, f"{flavor} by hand")


@pytest.mark.parametrize("flavor", ["hugo", "hexo"])
@pytest.mark.parametrize("name", PAPERPRESS_POSTS, ids=["digest", "topic"])
def test_a_url_only_the_llm_names_is_text_and_the_papers_own_may_be_a_link(
    sites, browser, served, flavor, name
):
    found = probe_page(sites, browser, served, flavor, name)
    shown = [EVIL, "www.evil.example/login", FTP, MAIL, *TRAVERSALS]
    text = found["text"].translate(CURLY)  # the typographers' quotes, as typed
    assert [url for url in shown if url not in text] == []  # shown ...
    linked = [href for href in found["hrefs"] if "evil.example" in href or "attacker" in href]
    assert linked == [], linked  # ... not linked
    assert OWN in found["text"]
    # The abstract names it: both renderers link it (Hugo's linkify, marked's autolinks).
    assert [href for href in found["hrefs"] if href.startswith(OWN)], found["hrefs"]
