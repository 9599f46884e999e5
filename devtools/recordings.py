"""Prepare the demo's offline recordings: the committed real responses, plus one PDF per
paper of the recorded arXiv search, made here from that paper's real title, authors and
abstract (arXiv's PDFs are not ours to bundle).

    python -m devtools.recordings OUT_DIR   (make demo)

The committed recordings are the demo's data, in demo/recordings/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from pathlib import Path

from devtools.pdfmaker import Page, make_pdf
from paperpress.sources import arxiv

RECORDINGS = Path(__file__).resolve().parent.parent / "demo" / "recordings"
SEARCH = "arxiv-search-testing.atom.xml"


def paper_pages(title: str, authors: str, abstract: str) -> list[Page]:
    sentences = [s.strip() + "." for s in abstract.split(". ") if s.strip()]
    first = Page().text(72, 730, title[:90]).text(72, 712, authors[:95])
    y = 680.0
    first.text(72, y, "1 Introduction")
    for line in textwrap.wrap(" ".join(sentences[: len(sentences) // 2]), 95)[:22]:
        y -= 16
        first.text(72, y, line)
    second = Page().box(110, 470, 390, 250).text(72, 450, f"Figure 1: Overview. {title[:70]}")
    second.text(72, 410, "2 Method")
    y = 410.0
    for line in textwrap.wrap(" ".join(sentences[len(sentences) // 2 :]), 95)[:16]:
        y -= 16
        second.text(72, y, line)
    third = Page().text(72, 730, "3 Conclusion").text(72, 712, (sentences or [title])[-1][:95])
    return [first, second, third]


def main(out: Path) -> None:
    shutil.copytree(RECORDINGS, out, dirs_exist_ok=True)
    manifest = json.loads((RECORDINGS / "recordings.json").read_text())
    page = arxiv.parse_api((RECORDINGS / SEARCH).read_bytes())
    (out / "pdf").mkdir(exist_ok=True)
    for paper in page.papers:
        name = f"pdf/{paper.arxiv_id}v{paper.version}.pdf"
        pages = paper_pages(paper.title, ", ".join(paper.authors), paper.abstract)
        (out / name).write_bytes(make_pdf(pages))
        manifest[f"https://arxiv.org/pdf/{paper.arxiv_id}v{paper.version}"] = name
    (out / "recordings.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m devtools.recordings", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="where the recordings go")
    main(parser.parse_args().out)
