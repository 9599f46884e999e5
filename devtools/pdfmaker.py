"""Write small, real PDFs (for the demo and the tests): text lines and filled boxes ("figures").

Plain PDF 1.4 with the standard Helvetica font; pdfium reads the text back. No library.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Page:
    lines: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, text (pt)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y, w, h

    def text(self, x: float, y: float, line: str) -> Page:
        self.lines.append((x, y, line))
        return self

    def box(self, x: float, y: float, width: float, height: float) -> Page:
        self.boxes.append((x, y, width, height))
        return self


def _escape(text: str) -> str:
    data = text.encode("latin-1", "replace").decode("latin-1")
    return data.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[Page], *, width: int = 612, height: int = 792) -> bytes:
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, page in enumerate(pages):
        ops = ["0.55 0.6 0.7 rg"]
        ops += [f"{x} {y} {w} {h} re f" for x, y, w, h in page.boxes]
        ops.append("0 0 0 rg")
        ops += [f"BT /F1 11 Tf {x} {y} Td ({_escape(t)}) Tj ET" for x, y, t in page.lines]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {page_ids[index] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def paper_pdf(title: str = "A Study of Diffusion Models", *, filler_pages: int = 0) -> bytes:
    """A four-section paper with one figure and its caption on page 2."""
    first = Page().text(72, 720, title).text(72, 700, "Ada Lovelace, University of Somewhere")
    first.text(72, 660, "Abstract").text(72, 640, "We study diffusion models for images.")
    first.text(72, 600, "1 Introduction")
    first.text(72, 580, "Diffusion models generate images by denoising; sampling is slow.")
    first.text(72, 560, "Past methods need many steps, which is the problem we address.")
    second = Page().box(120, 420, 360, 260).text(72, 400, "Figure 1: Overview of our sampler.")
    second.text(72, 360, "2 Method").text(
        72, 340, "Our sampler distills the teacher in two stages."
    )
    second.text(72, 320, "Step one trains a student; step two refines it with a consistency loss.")
    third = Page().text(72, 720, "3 Experiments").text(72, 700, "FID improves from 9.1 to 4.2.")
    third.text(72, 660, "4 Conclusion").text(72, 640, "A fast sampler with little extra work.")
    third.text(72, 600, "References").text(72, 580, "[1] Ho et al. Denoising diffusion. 2020.")
    filler = [Page().text(72, 720, f"Appendix page {n}") for n in range(filler_pages)]
    return make_pdf([first, second, third, *filler])
