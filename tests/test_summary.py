"""`halfway summary`: the summary for a counsellor of a constructed history, word for word;
every note and what hurt left out unless chosen; the PDF read back; the private file."""

from __future__ import annotations

import io
import re
import stat
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from halfway.digest import summary, summaryrender
from halfway.words import discretion

from .digest_history import History
from .test_digest_mail import seed

BERLIN = "Europe/Berlin"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FIRST, LAST = date(2026, 9, 30), date(2026, 10, 25)
# Every word the person wrote as a note, or as what hurt: none may show unless chosen.
NOTES = ("I want us to feel close", "walking helped", "felt tired", "a hard week", "late call")
HURT = "a sharp word at dinner"


def autumn() -> History:
    """Four weeks: nothing written, movement, small moments, no movement; and around them,
    records from outside the period that must not show."""
    h = History(BERLIN)
    h.tables["talks"] += [
        {
            "id": "t_1",
            "at": h.at("2026-10-06 19:00"),
            "topic": "our Sundays",
            "state": "done",
            "history": [{"state": "planned", "at": h.at("2026-10-01 09:00")}],
            "created_at": h.at("2026-10-01 09:00"),
            "intent": "I want us to feel close",
            "helped": "walking helped",
        },
        {
            "id": "t_2",
            "at": h.at("2026-10-23 19:00"),
            "topic": None,
            "state": "planned",
            "history": [{"state": "planned", "at": h.at("2026-10-20 09:00")}],
            "created_at": h.at("2026-10-20 09:00"),
        },
        {
            "id": "t_3",
            "at": h.at("2026-10-22 19:00"),
            "topic": "cancelled one",
            "state": "cancelled",
            "history": [{"state": "planned", "at": h.at("2026-10-20 09:00")}],
            "created_at": h.at("2026-10-20 09:00"),
        },
        {
            "id": "t_4",
            "at": h.at("2026-10-30 19:00"),
            "topic": "after the period",
            "state": "planned",
            "history": [{"state": "planned", "at": h.at("2026-10-20 09:00")}],
            "created_at": h.at("2026-10-20 09:00"),
        },
    ]
    reflection = h.nudge("talk_reflection", "2026-10-06 21:00", talk_id="t_1")
    h.tables["replies"].append(
        {
            "id": "r_t1",
            "delivery_id": reflection["id"],
            "value": "acknowledged",
            "note": "walking helped",
            "via": "web",
            "received_at": h.at("2026-10-06 21:30"),
        }
    )
    h.log("gesture", "2026-10-15 08:00", "made me tea", by="partner")
    h.ask("Twenty minutes on Saturday?", "2026-10-13 18:00", ("agreed", "2026-10-28 10:00"))
    h.ask("A walk together?", "2026-11-03 18:00")  # said after the period
    h.boundary(
        "I go to bed by eleven",
        ("held", "2026-10-14 23:00"),
        ("crossed", "2026-10-21 23:00"),
        ("held", "2026-10-29 23:00"),
    )
    h.tables["boundaries"][0]["answers"][1]["note"] = "late call again"
    h.log("note", "2026-10-20 22:00", "felt tired")
    h.log("hurt", "2026-10-21 21:00", HURT)
    review = h.answer("pattern_review", "2026-10-25 18:00", "none")
    review["note"] = "a hard week"
    h.log("note", "2026-10-27 22:00", "outside the period")
    h.log("hurt", "2026-09-27 22:00", "outside too")
    return h


def built(notes: bool = False, hurt: bool = False) -> summary.Summary:
    return summary.build(
        autumn().tables, FIRST, LAST, ZoneInfo(BERLIN), NOW, notes=notes, hurt=hurt
    )


FOOT = f"{discretion.NOT_ADVICE}\n{discretion.safety_line(None)}\n"


def test_the_summary_of_a_constructed_autumn_word_for_word() -> None:
    made = summaryrender.text(built())
    assert made == (
        "Looking back: 30 Sep – 25 Oct 2026\n\n"
        "What I wrote down over these weeks, to talk it through. "
        "What gets written down is rarely all that happened.\n\n"
        "THE WEEKS\n"
        "- week of 28 Sep: nothing written down\n"
        "- week of 5 Oct: movement noted\n"
        "- week of 12 Oct: small moments noticed\n"
        "- week of 19 Oct: no movement noted\n\n"
        "TALKS\n"
        "- Tue 6 Oct, about “our Sundays”: it took place; afterwards I noted: "
        "they acknowledged my feelings.\n"
        "- Fri 23 Oct: planned.\n\n"
        "WHAT I ASKED FOR\n"
        "- “Twenty minutes on Saturday?”: said 13 Oct.\n\n"
        "MY BOUNDARIES\n"
        "- “I go to bed by eleven”: held on 14 Oct; did not hold this time on 21 Oct.\n\n" + FOOT
    )


def test_notes_and_hurt_only_when_chosen() -> None:
    both = summaryrender.text(built(notes=True, hurt=True))
    assert (
        "- Tue 6 Oct, about “our Sundays”: it took place; afterwards I noted: they "
        "acknowledged my feelings. What I hoped for: “I want us to feel close”. What helped, "
        "or what to try next time: “walking helped”.\n"
    ) in both
    assert (
        "- “I go to bed by eleven”: held on 14 Oct; did not hold this time on 21 Oct "
        "(“late call again”).\n"
    ) in both
    assert "MY NOTES\n- Tue 20 Oct: felt tired\n- Sun 25 Oct: a hard week\n\n" in both
    assert f"WHAT HURT OR WORRIED ME\n- Wed 21 Oct: {HURT}\n\n" in both
    assert "outside" not in both
    plain = summaryrender.text(built())
    assert "MY NOTES" not in plain
    assert "HURT" not in plain
    for words in (*NOTES, HURT):
        assert words not in plain
    only_hurt = summaryrender.text(built(hurt=True))
    assert HURT in only_hurt
    assert not any(words in only_hurt for words in NOTES)


def test_the_page_to_print() -> None:
    page = summaryrender.html(built(), discretion.Frame())
    assert "<title>Reminder</title>" in page  # discreet: the tab says nothing
    assert "<h1>Looking back: 30 Sep – 25 Oct 2026</h1>" in page
    assert "@media print" in page
    assert "break-before: page" in page
    assert "<script" not in page
    assert "week of 19 Oct: no movement noted</li>" in page
    assert "about “our Sundays”" in page
    assert not any(words in page for words in (*NOTES, HURT))
    plain = summaryrender.html(built(), discretion.Frame(discreet=False))
    assert "<title>Looking back: 30 Sep – 25 Oct 2026</title>" in plain


@pytest.fixture
def seeded(config_file):
    written = config_file()
    seed(written.data_dir, autumn())
    return written


def summary_args(written, *more: str) -> list[str]:
    dates = ("--from", str(FIRST), "--to", str(LAST))
    return ["summary", *dates, *more, "--config", str(written.path)]


def test_the_command_prints_it_here(halfway, seeded) -> None:
    ran = halfway(*summary_args(seeded))
    assert ran.code == 0, ran.err
    assert ran.out == summaryrender.text(built())
    with_notes = halfway(*summary_args(seeded, "--notes", "--hurt"))
    assert with_notes.out == summaryrender.text(built(notes=True, hurt=True))


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


@pytest.mark.parametrize("fonts", ["system", "built-in"])
def test_the_pdf_read_back_holds_the_strip_and_the_talks(
    halfway, seeded, tmp_path, fonts, monkeypatch
) -> None:
    from halfway.digest import summarypdf

    if fonts == "built-in":  # no DejaVu on the system: Helvetica, Latin-1
        monkeypatch.setattr(summarypdf, "FONT_FOLDERS", ())
        data = summarypdf.pdf(built())
        found = pdf_text(data)
        assert "Looking back: 30 Sep - 25 Oct 2026" in found
        assert 'Tue 6 Oct, about "our Sundays": it took place' in found
    else:
        if summarypdf._font_folder() is None:
            pytest.skip("no DejaVu fonts on this system")
        out = tmp_path / "autumn.pdf"
        ran = halfway(*summary_args(seeded, "--out", str(out)))
        assert (ran.code, ran.out) == (0, f"wrote {out} (readable by you only)\n")
        data = out.read_bytes()
        assert data.startswith(b"%PDF")
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        found = pdf_text(data)
        assert "Looking back: 30 Sep – 25 Oct 2026" in found
        assert "Tue 6 Oct, about “our Sundays”: it took place" in found
    for line in (
        "week of 28 Sep: nothing written down",
        "week of 5 Oct: movement noted",
        "week of 12 Oct: small moments noticed",
        "week of 19 Oct: no movement noted",
        "Fri 23 Oct: planned.",
        "held on 14 Oct",
    ):
        assert line in found
    assert not any(words in found for words in (*NOTES, HURT))


def test_the_html_file_is_private_and_never_over_a_file(halfway, seeded, tmp_path) -> None:
    out = tmp_path / "autumn.html"
    ran = halfway(*summary_args(seeded, "--out", str(out)))
    assert (ran.code, ran.out) == (0, f"wrote {out} (readable by you only)\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text() == summaryrender.html(built(), discretion.Frame())
    out.write_text("kept")
    again = halfway(*summary_args(seeded, "--out", str(out), "--notes"))
    assert again.code == 2
    assert again.err == f"halfway summary: --out: {out} already exists; add --force to replace it\n"
    assert out.read_text() == "kept"
    forced = halfway(*summary_args(seeded, "--out", str(out), "--notes", "--force"))
    assert forced.code == 0, forced.err
    assert "walking helped" in out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("dates", "problem"),
    [
        (("--from", "2026-13-01", "--to", "2026-12-01"), "'2026-13-01' is not a date like"),
        (("--from", "2026-10-01", "--to", "1 Nov"), "'1 Nov' is not a date like 2026-09-01"),
        (("--from", "2026-11-01", "--to", "2026-10-01"), "--to 2026-10-01 is before --from"),
        (("--from", "2999-01-01", "--to", "2999-02-01"), "--from 2999-01-01 has not come yet"),
        (("--from", "1969-01-01", "--to", "1969-02-01"), "nothing from before 1970"),
        (("--from", "2026-10-01", "--to", "2026-10-31", "--out", "x.txt"), "must end in .html"),
        (("--to", "2026-10-31"), "the following arguments are required: --from"),
    ],
)
def test_a_period_that_cannot_be_is_one_line_and_exit_2(
    halfway, seeded, dates, problem, tmp_path
) -> None:
    ran = halfway("summary", *dates, "--config", str(seeded.path))
    assert ran.code == 2
    assert ran.err.count("\n") == 1
    assert ran.err.startswith("halfway summary")
    assert problem in ran.err
    assert ran.out == ""
    assert not (tmp_path / "x.txt").exists()
