"""The real tools the site tests drive (Hugo, Node with Hexo, Chromium), and how they read
a page of the example blogs (templates/site/).

A missing tool skips its tests with one line naming what to install; with ``CI=true`` it
fails the run instead, so CI cannot go green by skipping the proof.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from demo.build_site import HEXO_SITE, hugo_binary

NODE_MINIMUM = (20, 19)  # Hexo 8
DEMO = Path(__file__).resolve().parent.parent / "demo"


def make_recordings(folder: Path) -> None:
    """What `make demo` records first: the demo's HTTP answers and PDFs, into ``folder``."""
    sys.path.insert(0, str(DEMO))  # make_recordings imports its sibling pdfmaker
    try:
        from make_recordings import main
    finally:
        sys.path.pop(0)
    main(folder)


def require_tool(name: str, found: str | Path | None, hint: str) -> str:
    """``found`` as a string, or skip (fail under ``CI=true``) with ``install <name>: <hint>``."""
    if found:
        return str(found)
    message = f"install {name}: {hint}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true, so a missing tool fails instead of skipping)")
    pytest.skip(message)


def hugo() -> str:
    return require_tool("hugo", hugo_binary(), "`make setup` (hugo is in requirements-dev.txt)")


def node() -> str:
    found = shutil.which("node")
    if found:
        version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
        numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        found = found if numbers >= NODE_MINIMUM else None
    return require_tool("Node.js >= 20.19", found, "apt-get install nodejs, or nodejs.org")


def hexo_modules() -> str:
    modules = HEXO_SITE / "node_modules"
    found = modules if (modules / "hexo").is_dir() else None
    return require_tool("the Hexo site's packages", found, "`make setup` (npm ci there)")


def chromium() -> str:
    found = shutil.which("chromium") or next(
        (path for path in ("/usr/bin/chromium",) if Path(path).exists()), None
    )
    hint = "apt-get install --no-install-recommends chromium (.ci/run does)"
    return require_tool("chromium", found, hint)


# --- Reading a built page of templates/site/ ------------------------------------------------


def post_title(page: str) -> str:
    return html.unescape(page.split('<h1 class="post-title">', 1)[1].split("</h1>", 1)[0])


def post_content(page: str) -> str:
    """The post's rendered body, between the layout's ``post-content`` div and its end."""
    inner = page.split('<div class="post-content">', 1)[1]
    return inner.rsplit("</article>", 1)[0].rsplit("</div>", 1)[0]


def head_meta(page: str, name: str) -> list[str]:
    head = page.split("</head>", 1)[0]
    found = re.findall(rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', head)
    return [html.unescape(value) for value in found]


# The layouts' own scripts: MathJax's config and loader, in <head>, on posts with math.
_LAYOUT_SCRIPTS = re.compile(
    r"<script>\nMathJax = \{ tex: \{ inlineMath: [^<]*</script>\n"
    r'<script async src="https://cdn\.jsdelivr\.net/npm/mathjax@3\.2\.2/es5/tex-mml-chtml\.js">'
    r"</script>"
)


class _Code(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append(f"<script {attrs}>")
        for name, value in attrs:
            link = name in ("href", "src") and (value or "").strip().lower()
            if name.startswith("on") or (link and link.startswith("javascript:")):
                self.found.append(f"<{tag} {name}={value!r}>")


def foreign_code(page: str) -> list[str]:
    """Anything in a page that would run and is not the layout's: a script element, an
    event-handler attribute, a ``javascript:`` link. Empty for a clean page."""
    head, _, body = page.partition("</head>")
    parser = _Code()
    parser.feed(_LAYOUT_SCRIPTS.sub("", head, count=1) + "</head>" + body)
    parser.close()
    return parser.found
