"""`halfway talk` with the times a person types (`in 2 hours`, `sat 19.00`, `12/5 19:00`):
the forms read through
the CLI in the configured date order, a day without a time, a clock that has passed; a
warning for two talks within an hour; `done --early`; cancelled talks folded away; and the
line that says the nudges wait for the daemon. The CLI runs in-process on a frozen clock."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from halfway.store import runlock

# Wednesday 2 December 2026, 12:00 in Berlin.
NOON = "2026-12-02T11:00:00Z"
ASLEEP = "note: halfway is not running right now; these nudges go out once it runs"


def talk_id(ran) -> str:
    assert ran.code == 0, ran.err
    return ran.out.split()[2].rstrip(":")


def one_line(ran) -> str:
    assert ran.code == 2
    assert ran.err.count("\n") == 1, ran.err
    assert "Traceback" not in ran.err
    return ran.err.rstrip("\n")


# the forms, through the command line ---------------------------------------------------


@freeze_time(NOON)
@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ("in 2 hours", "Wed 2026-12-02 14:00 CET"),
        ("in 90 minutes", "Wed 2026-12-02 13:30 CET"),
        ("next friday at 7pm", "Fri 2026-12-04 19:00 CET"),
        ("next sat 19:00", "Sat 2026-12-05 19:00 CET"),
        ("next wed 19:00", "Wed 2026-12-09 19:00 CET"),
        ("tonight 21:00", "Wed 2026-12-02 21:00 CET"),
        ("20:30", "Wed 2026-12-02 20:30 CET"),
        ("at 20:30", "Wed 2026-12-02 20:30 CET"),
        ("sat 19.00", "Sat 2026-12-05 19:00 CET"),
        ("05.12.2026 19:00", "Sat 2026-12-05 19:00 CET"),
        ("5.12. 19:00", "Sat 2026-12-05 19:00 CET"),
        ("2026-12-05 19:00", "Sat 2026-12-05 19:00 CET"),
        ("in 3 days 18:00", "Sat 2026-12-05 18:00 CET"),
    ],
)
def test_each_form_a_person_types_plans_the_talk(halfway, config_file, when, shown) -> None:
    path = str(config_file('date_order = "dmy"\n').path)
    ran = halfway("talk", "add", when, "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.startswith("planned talk t_")
    assert ran.out.splitlines()[0].endswith(f": {shown}")


@freeze_time(NOON)
@pytest.mark.parametrize(
    ("order", "when", "shown"),
    [
        ("dmy", "12/5 19:00", "Wed 2027-05-12 19:00 CEST"),
        ("mdy", "12/5 19:00", "Sat 2026-12-05 19:00 CET"),
        ("ymd", "12/5 19:00", "Sat 2026-12-05 19:00 CET"),
        ("dmy", "05.12.2026 19:00", "Sat 2026-12-05 19:00 CET"),
        ("mdy", "12/05/2026 19:00", "Sat 2026-12-05 19:00 CET"),
        ("ymd", "2026/12/05 19:00", "Sat 2026-12-05 19:00 CET"),
        ("mdy", "2026-12-05 19:00", "Sat 2026-12-05 19:00 CET"),
    ],
)
def test_a_date_of_numbers_is_read_in_the_configs_date_order(
    halfway, config_file, order, when, shown
) -> None:
    path = str(config_file(f'date_order = "{order}"\n').path)
    ran = halfway("talk", "add", when, "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[0].endswith(f": {shown}")


@freeze_time(NOON)
def test_the_date_order_follows_the_locale_when_the_config_has_none(
    halfway, config_file, monkeypatch
) -> None:
    for name in ("LC_ALL", "LC_TIME"):
        monkeypatch.delenv(name, raising=False)
    path = str(config_file().path)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    ran = halfway("talk", "add", "12/5 19:00", "--config", path)
    assert ran.out.splitlines()[0].endswith(": Sat 2026-12-05 19:00 CET")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    ran = halfway("talk", "add", "12/5 19:00", "--config", path)
    assert ran.out.splitlines()[0].endswith(": Wed 2027-05-12 19:00 CEST")


@freeze_time(NOON)
def test_a_day_without_a_time_asks_for_one_and_plans_nothing(halfway, config_file) -> None:
    path = str(config_file().path)
    assert one_line(halfway("talk", "add", "monday", "--config", path)) == (
        "halfway talk: WHEN: 'monday' has no time: add one, like 'monday 19:00'"
    )
    assert one_line(halfway("talk", "add", "tomorrow", "--config", path)) == (
        "halfway talk: WHEN: 'tomorrow' has no time: add one, like 'tomorrow 19:00'"
    )
    assert halfway("talk", "list", "--config", path).out.startswith("no talks planned yet")


@freeze_time(NOON)
def test_a_clock_alone_that_has_passed_is_one_line_and_plans_nothing(halfway, config_file) -> None:
    path = str(config_file().path)
    assert one_line(halfway("talk", "add", "08:00", "--config", path)) == (
        "halfway talk: WHEN: '08:00' is Wed 02 Dec 2026 08:00, and that time has already"
        " passed; for tomorrow, write 'tomorrow 08:00'"
    )
    assert halfway("talk", "list", "--config", path).out.startswith("no talks planned yet")


# two talks within an hour ---------------------------------------------------------------


@freeze_time(NOON)
def test_a_talk_within_an_hour_of_another_is_planned_with_a_warning_naming_it(
    halfway, config_file
) -> None:
    path = str(config_file().path)
    first = talk_id(halfway("talk", "add", "sat 19:00", "--topic", "us", "--config", path))
    ran = halfway("talk", "add", "sat 19:40", "--config", path)
    second = talk_id(ran)
    assert ran.err == (
        f"warning: talk {first} is also planned within an hour of this one"
        " (Sat 2026-12-05 19:00 CET, about “us”); both stay planned\n"
    )
    # An hour apart exactly is still within the hour; two hours is not.
    ran = halfway("talk", "add", "sat 20:40", "--config", path)
    assert talk_id(ran)
    assert ran.err == (
        f"warning: talk {second} is also planned within an hour of this one"
        " (Sat 2026-12-05 19:40 CET); both stay planned\n"
    )
    assert halfway("talk", "add", "sat 22:41", "--config", path).err == ""
    listed = halfway("talk", "list", "--config", path).out
    assert listed.count("  planned  ") == 4


@freeze_time(NOON)
def test_moving_a_talk_near_another_warns_and_a_cancelled_one_does_not_count(
    halfway, config_file
) -> None:
    path = str(config_file().path)
    first = talk_id(halfway("talk", "add", "sat 19:00", "--config", path))
    off = talk_id(halfway("talk", "add", "sun 19:00", "--config", path))
    assert halfway("talk", "cancel", off, "--config", path).code == 0
    moving = talk_id(halfway("talk", "add", "mon 19:00", "--config", path))
    assert halfway("talk", "move", moving, "sun 19:30", "--config", path).err == ""
    ran = halfway("talk", "move", moving, "sat 18:30", "--config", path)
    assert ran.code == 0, ran.err
    assert ran.err.startswith(f"warning: talk {first} is also planned within an hour")
    assert ran.out.startswith(f"moved talk {moving} to Sat 2026-12-05 18:30 CET")


# done before the talk -----------------------------------------------------------------


def test_done_before_the_talk_has_begun_needs_early(halfway, config_file) -> None:
    path = str(config_file().path)
    with freeze_time(NOON):
        talk = talk_id(halfway("talk", "add", "sat 19:00", "--config", path))
        assert one_line(halfway("talk", "done", talk, "--config", path)) == (
            f"halfway talk: talk {talk} has not begun yet (Sat 2026-12-05 19:00 CET);"
            " if it took place sooner, add --early"
        )
        assert f"{talk}  planned" in halfway("talk", "list", "--config", path).out
        ran = halfway("talk", "done", talk, "--early", "--config", path)
        assert ran.code == 0, ran.err
        assert ran.out.startswith(f"well done for showing up: talk {talk} is marked done")


def test_done_once_the_talk_has_begun_needs_nothing_more(halfway, config_file) -> None:
    path = str(config_file().path)
    with freeze_time(NOON):
        talk = talk_id(halfway("talk", "add", "sat 19:00", "--config", path))
    with freeze_time("2026-12-05T18:00:00Z"):  # 19:00 in Berlin: it begins
        ran = halfway("talk", "done", talk, "--config", path)
    assert ran.code == 0, ran.err
    with freeze_time("2026-12-05T18:05:00Z"):  # already done: said as before, --early or not
        assert "is already marked done" in one_line(
            halfway("talk", "done", talk, "--early", "--config", path)
        )


# cancelled talks folded away --------------------------------------------------------------


@freeze_time(NOON)
def test_list_folds_cancelled_talks_away_and_all_shows_them(halfway, config_file) -> None:
    path = str(config_file().path)
    kept = talk_id(halfway("talk", "add", "sat 19:00", "--config", path))
    one = talk_id(halfway("talk", "add", "sun 19:00", "--config", path))
    two = talk_id(halfway("talk", "add", "mon 19:00", "--config", path))
    assert halfway("talk", "cancel", one, "--config", path).code == 0
    listed = halfway("talk", "list", "--config", path).out.splitlines()
    assert listed[0].startswith(f"{kept}  planned")
    assert not [line for line in listed if one in line]
    assert listed[-1] == "1 cancelled talk is hidden; 'halfway talk list --all' shows it"

    assert halfway("talk", "cancel", two, "--config", path).code == 0
    listed = halfway("talk", "list", "--config", path).out.splitlines()
    assert listed[-1] == "2 cancelled talks are hidden; 'halfway talk list --all' shows them"

    every = halfway("talk", "list", "--all", "--config", path).out.splitlines()
    assert [line.split()[:2] for line in every if line.startswith("t_")] == [
        [kept, "planned"],
        [two, "cancelled"],
        [one, "cancelled"],
    ]
    assert not [line for line in every if "hidden" in line]

    assert halfway("talk", "cancel", kept, "--config", path).code == 0
    assert halfway("talk", "list", "--config", path).out == (
        "no talks planned; 3 cancelled talks are hidden; 'halfway talk list --all' shows them\n"
    )


# no daemon running ----------------------------------------------------------------------------


@freeze_time(NOON)
def test_add_says_the_nudges_wait_when_no_daemon_runs(halfway, config_file) -> None:
    written = config_file()
    path = str(written.path)
    ran = halfway("talk", "add", "sat 19:00", "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[-1] == ASLEEP

    lock = runlock.hold(written.data_dir)  # what `halfway run` holds for its whole life
    try:
        ran = halfway("talk", "add", "sun 19:00", "--config", path)
    finally:
        runlock.release(lock, written.data_dir)
    assert ran.code == 0, ran.err
    assert ASLEEP not in ran.out
