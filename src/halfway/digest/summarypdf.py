"""The summary for a counsellor as a PDF (`halfway summary --out FILE.pdf`), drawn with
fpdf2: pure Python (its few dependencies have wheels for the Raspberry Pi's ARM), kept up
to date, and it writes a PDF without a browser or a system library.

The same sections as the text and the page (`digest/summaryrender.sections`), each on its
own page after the first, the cover line at the top. The strip of weeks is drawn as the
digest draws it: a small square in the mark's colours beside its words. Text is set in
DejaVu Sans when the system has it (Debian and Raspberry Pi OS: fonts-dejavu-core), so
every script the person writes in prints; otherwise in the PDF's built-in Helvetica,
which holds Latin-1 only: typographic quotes and dashes are set as their plain forms and
any other letter it cannot hold as '?'.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from halfway.digest.summary import Summary
from halfway.digest.summaryrender import INTRO, cover, sections, strip_rows
from halfway.words import discretion
from halfway.words.language import _

FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
# What Helvetica (Latin-1) cannot draw, in its plain form. Latin-1 holds every letter of
# German and Spanish (ä ö ü ß ñ á é í ó ú ¿ ¡ « »); German quotes and thin spaces are not.
PLAIN = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "–": "-",
        "—": "-",
        "…": "...",
        "\u2009": " ",
        "\u202f": " ",
    }
)
INK = (47, 58, 58)
SOFT = (90, 100, 100)


def _font_folder() -> Path | None:
    for folder in FONT_FOLDERS:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    return None


def _colour(hex_text: str) -> tuple[int, int, int]:
    return int(hex_text[1:3], 16), int(hex_text[3:5], 16), int(hex_text[5:7], 16)


def pdf(s: Summary, frame: discretion.Frame | None = None, fonts: Path | None = None) -> bytes:
    """The summary as PDF bytes; `fonts` a folder holding DejaVuSans(-Bold).ttf (default:
    the system's, if any)."""
    with warnings.catch_warnings():
        # fpdf2 warns on import when Pillow is missing (the container leaves it out): it
        # needs Pillow only to draw images, and the summary has none.
        warnings.filterwarnings("ignore", message="Pillow could not be imported")
        from fpdf import FPDF

    frame = frame or discretion.Frame()
    folder = fonts or _font_folder()
    doc = FPDF(format="A4")
    doc.set_margins(18, 18, 18)
    doc.set_auto_page_break(True, margin=18)
    if folder is not None:
        doc.add_font("Body", "", str(folder / "DejaVuSans.ttf"))
        doc.add_font("Body", "B", str(folder / "DejaVuSans-Bold.ttf"))
        family = "Body"

        def fit(words: str) -> str:
            return words
    else:
        family = "Helvetica"

        def fit(words: str) -> str:
            return words.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")

    doc.set_title(fit(frame.page_title(cover(s))))
    doc.set_text_color(*INK)

    def para(words: str, size: float = 11, style: str = "", gap: float = 1.5) -> None:
        doc.set_font(family, style, size)
        doc.multi_cell(0, size * 0.5, fit(words), new_x="LMARGIN", new_y="NEXT")
        doc.ln(gap)

    doc.add_page()
    para(cover(s), 18, "B", 2)
    doc.set_text_color(*SOFT)
    para(_(INTRO), 11, "", 4)
    doc.set_text_color(*INK)
    for number, section in enumerate(sections(s)):
        if number:
            doc.add_page()
        para(section.heading, 14, "B", 2)
        if section.key == "weeks":
            doc.set_font(family, "", 11)
            for row in strip_rows(s):
                x, y = doc.get_x(), doc.get_y()
                doc.set_fill_color(*_colour(row["fill"]))
                doc.set_draw_color(*_colour(row["border"]))
                doc.set_line_width(0.5)
                doc.rect(x, y + 1, 4, 4, style="DF")
                doc.set_x(x + 7)
                doc.cell(
                    0, 6, fit(f"{row['label']}: {row['words']}"), new_x="LMARGIN", new_y="NEXT"
                )
            continue
        for line in section.lines:
            para(f"•  {line}" if folder is not None else f"-  {line}", gap=1)
    doc.ln(6)
    doc.set_text_color(*SOFT)
    footer = frame.footer(page=False)
    para(str(footer["not_advice"]), 9, gap=0.5)
    para(str(footer["safety"]), 9)
    return bytes(doc.output())
