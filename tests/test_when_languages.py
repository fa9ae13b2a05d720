"""A talk's WHEN in German and Spanish: each language's words against an injected `now`
(daylight saving on both sides, the gap and the repeat, the date order), English still
read in every language, and what the parser says back written in the language."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from halfway.talks.when import MAX_LENGTH, WhenError, talk_time
from halfway.words import language

from .languages import english_words

BERLIN = ZoneInfo("Europe/Berlin")
MADRID = ZoneInfo("Europe/Madrid")
# Wednesday 2 December 2026, noon (no daylight saving change near).
WEDNESDAY = "2026-12-02 12:00"


def local(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def read(lang: str, text: str, now: str = WEDNESDAY, order: str = "dmy") -> datetime:
    zone = BERLIN if lang == "de" else MADRID
    with language.speaking(lang):
        when = talk_time(text, local(now, zone), zone, order)
    assert when.note is None
    return when.at


def refusal(lang: str, text: str, now: str = WEDNESDAY) -> str:
    zone = BERLIN if lang == "de" else MADRID
    with (
        language.speaking(lang),
        language.watching() as missing,
        pytest.raises(WhenError) as caught,
    ):
        talk_time(text, local(now, zone), zone)
    assert not missing, missing
    message = str(caught.value)
    assert "\n" not in message
    assert english_words(message, allowed=(text,)) == [], message
    return message


GERMAN = [
    ("sa 19:00", "2026-12-05 19:00"),
    ("Sa. 19:00", "2026-12-05 19:00"),
    ("Samstag 19:00", "2026-12-05 19:00"),
    ("SONNABEND 19 Uhr", "2026-12-05 19:00"),
    ("mo 8:15", "2026-12-07 08:15"),
    ("di 19 Uhr", "2026-12-08 19:00"),
    ("mi 13 Uhr", "2026-12-02 13:00"),  # today, still ahead
    ("mi 11 Uhr", "2026-12-09 11:00"),  # today's has passed: next week
    ("Do 19 Uhr 30", "2026-12-03 19:30"),
    ("fr um 19:00", "2026-12-04 19:00"),
    ("so 19.30 Uhr", "2026-12-06 19:30"),
    ("heute 18 Uhr", "2026-12-02 18:00"),
    ("heute abend um 8", "2026-12-02 20:00"),
    ("morgen 20:30", "2026-12-03 20:30"),
    ("Morgen um 20:30", "2026-12-03 20:30"),
    ("morgen früh um 7", "2026-12-03 07:00"),
    ("morgen abend um halb acht", "2026-12-03 19:30"),
    ("übermorgen 19 Uhr", "2026-12-04 19:00"),
    ("uebermorgen um 19 Uhr", "2026-12-04 19:00"),
    ("in 3 Tagen 18:00", "2026-12-05 18:00"),
    ("in 1 Tag um 18 Uhr", "2026-12-03 18:00"),
    ("in 2 Wochen 19 Uhr", "2026-12-16 19:00"),
    ("in einer Woche 19 Uhr", "2026-12-09 19:00"),
    ("nächsten Freitag 19 Uhr", "2026-12-04 19:00"),
    ("nächsten Mittwoch 13 Uhr", "2026-12-09 13:00"),  # the next after today
    ("am nächsten Samstag um 19 Uhr", "2026-12-05 19:00"),
    ("Naechsten Sa 19:00", "2026-12-05 19:00"),
    ("kommenden Montag um 9 Uhr", "2026-12-07 09:00"),
    ("am Freitag um 19 Uhr", "2026-12-04 19:00"),
    ("Freitag, 19 Uhr", "2026-12-04 19:00"),
    ("diesen Freitag 7 Uhr abends", "2026-12-04 19:00"),
    ("Fr halb 8 abends", "2026-12-04 19:30"),
    ("Fr um halb zwölf", "2026-12-04 11:30"),
    ("Fr viertel nach acht abends", "2026-12-04 20:15"),
    ("Fr um viertel vor acht", "2026-12-04 07:45"),
    ("Fr dreiviertel 8 abends", "2026-12-04 19:45"),
    ("Fr 2 Uhr nachts", "2026-12-04 02:00"),
    ("Fr 11 Uhr nachts", "2026-12-04 23:00"),
    ("Fr 1 Uhr mittags", "2026-12-04 13:00"),
    ("um 19", "2026-12-02 19:00"),
    ("19 Uhr", "2026-12-02 19:00"),
    ("19:30", "2026-12-02 19:30"),
    ("am 05.12. um 19 Uhr", "2026-12-05 19:00"),
    ("den 5.12.2026 19 Uhr", "2026-12-05 19:00"),
    ("Sa., 05.12., 19 Uhr", "2026-12-05 19:00"),  # a weekday before a date: checked
    ("Samstag, 5. Dezember, 19 Uhr", "2026-12-05 19:00"),
    ("2026-12-05 19:00", "2026-12-05 19:00"),
    # English, in German too
    ("sat 19:00", "2026-12-05 19:00"),
    ("tomorrow 20:30", "2026-12-03 20:30"),
    ("next friday at 7pm", "2026-12-04 19:00"),
    ("sat 7 am", "2026-12-05 07:00"),
]

SPANISH = [
    ("sáb 19:00", "2026-12-05 19:00"),
    ("sab 19:00", "2026-12-05 19:00"),
    ("SÁBADO 19:00", "2026-12-05 19:00"),
    ("lun 8:15", "2026-12-07 08:15"),
    ("mar a las 19", "2026-12-08 19:00"),
    ("mié 13:00", "2026-12-02 13:00"),
    ("mie 11:00", "2026-12-09 11:00"),
    ("miércoles 19 h", "2026-12-02 19:00"),
    ("jue 19h", "2026-12-03 19:00"),
    ("vie 19:30h", "2026-12-04 19:30"),
    ("domingo a las 7 de la tarde", "2026-12-06 19:00"),
    ("hoy a las 18:00", "2026-12-02 18:00"),
    ("hoy a las 10 de la noche", "2026-12-02 22:00"),
    ("esta noche a las 9", "2026-12-02 21:00"),
    ("esta tarde a las 5", "2026-12-02 17:00"),
    ("mañana 20:30", "2026-12-03 20:30"),
    ("Manana a las 20:30", "2026-12-03 20:30"),
    ("mañana por la mañana a las 8", "2026-12-03 08:00"),
    ("mañana a las 8 y media de la tarde", "2026-12-03 20:30"),
    ("pasado mañana a las 19", "2026-12-04 19:00"),
    ("en 3 días 18:00", "2026-12-05 18:00"),
    ("en 1 día a las 18", "2026-12-03 18:00"),
    ("en 2 semanas a las 19", "2026-12-16 19:00"),
    ("el próximo viernes a las 19", "2026-12-04 19:00"),
    ("el viernes que viene a las 19:00", "2026-12-04 19:00"),
    ("viernes próximo 19:00", "2026-12-04 19:00"),
    ("el próximo miércoles a las 13", "2026-12-09 13:00"),  # after today
    ("el viernes a las 19", "2026-12-04 19:00"),
    ("este viernes, 19:00", "2026-12-04 19:00"),
    ("vie a la una y media", "2026-12-04 01:30"),
    ("vie a las 8 y cuarto", "2026-12-04 08:15"),
    ("vie a las 8 menos cuarto de la tarde", "2026-12-04 19:45"),
    ("vie a las 7 en punto", "2026-12-04 07:00"),
    ("vie a las 2 de la madrugada", "2026-12-04 02:00"),
    ("vie a la 1 del mediodía", "2026-12-04 13:00"),
    ("a las 19", "2026-12-02 19:00"),
    ("19:30", "2026-12-02 19:30"),
    ("el 05.12. a las 19:00", "2026-12-05 19:00"),
    ("el sábado 5 de diciembre a las 19", "2026-12-05 19:00"),
    ("sáb, 05.12., 19:00", "2026-12-05 19:00"),
    ("2026-12-05 19:00", "2026-12-05 19:00"),
    # English, in Spanish too
    ("sat 19:00", "2026-12-05 19:00"),
    ("tomorrow 20:30", "2026-12-03 20:30"),
    ("next friday at 7pm", "2026-12-04 19:00"),
]


@pytest.mark.parametrize(("text", "expected"), GERMAN)
def test_a_german_when_is_read_in_the_zone(text: str, expected: str) -> None:
    assert read("de", text) == local(expected, BERLIN)


@pytest.mark.parametrize(("text", "expected"), SPANISH)
def test_a_spanish_when_is_read_in_the_zone(text: str, expected: str) -> None:
    assert read("es", text) == local(expected, MADRID)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "in 2 Stunden", "2026-12-02 14:00"),
        ("de", "in 90 Minuten", "2026-12-02 13:30"),
        ("de", "in einer Stunde", "2026-12-02 13:00"),
        ("de", "in zwei Stunden", "2026-12-02 14:00"),
        ("de", "in einer halben Stunde", "2026-12-02 12:30"),
        ("de", "in anderthalb Stunden", "2026-12-02 13:30"),
        ("de", "in 45 min", "2026-12-02 12:45"),
        ("de", "in 2 h", "2026-12-02 14:00"),
        ("es", "en 2 horas", "2026-12-02 14:00"),
        ("es", "en 90 minutos", "2026-12-02 13:30"),
        ("es", "en una hora", "2026-12-02 13:00"),
        ("es", "en dos horas", "2026-12-02 14:00"),
        ("es", "dentro de 2 horas", "2026-12-02 14:00"),
        ("es", "en media hora", "2026-12-02 12:30"),
        ("es", "en hora y media", "2026-12-02 13:30"),
        ("es", "en un cuarto de hora", "2026-12-02 12:15"),
    ],
)
def test_hours_and_minutes_count_from_now(lang: str, text: str, expected: str) -> None:
    zone = BERLIN if lang == "de" else MADRID
    assert read(lang, text) == local(expected, zone)


@pytest.mark.parametrize(
    ("lang", "order", "text", "expected"),
    [
        ("de", "dmy", "12/5 19 Uhr", "2027-05-12 19:00"),
        ("de", "mdy", "12/5 19 Uhr", "2026-12-05 19:00"),
        ("de", "mdy", "am 12/05/2026 um 19 Uhr", "2026-12-05 19:00"),
        ("de", "ymd", "2026/12/05 19 Uhr", "2026-12-05 19:00"),
        ("es", "dmy", "el 5/12 a las 19", "2026-12-05 19:00"),
        ("es", "mdy", "el 5/12 a las 19", "2027-05-12 19:00"),
        ("es", "ymd", "el 2026.12.5 a las 19", "2026-12-05 19:00"),
        ("es", "dmy", "5/12/26 a las 7 de la tarde", "2026-12-05 19:00"),
        # a month by its name reads the same in every order
        ("de", "dmy", "5. Dezember 19 Uhr", "2026-12-05 19:00"),
        ("de", "mdy", "am 5. Dez. um 19 Uhr", "2026-12-05 19:00"),
        ("de", "ymd", "5. Dezember 19 Uhr", "2026-12-05 19:00"),
        ("de", "dmy", "1. Dezember 19 Uhr", "2027-12-01 19:00"),  # passed: next year's
        ("de", "dmy", "3. März 2027 um 19 Uhr", "2027-03-03 19:00"),
        ("es", "dmy", "el 5 de diciembre a las 19", "2026-12-05 19:00"),
        ("es", "mdy", "5 de dic. a las 19", "2026-12-05 19:00"),
        ("es", "ymd", "5 de diciembre de 2027 a las 19", "2027-12-05 19:00"),
        ("es", "dmy", "5 de marzo a las 19", "2027-03-05 19:00"),
    ],
)
def test_a_date_of_numbers_is_read_in_the_configured_order(
    lang: str, order: str, text: str, expected: str
) -> None:
    zone = BERLIN if lang == "de" else MADRID
    assert read(lang, text, order=order) == local(expected, zone)


# daylight saving: 29 Mar 2026 02:00 -> 03:00; 25 Oct 2026 03:00 -> 02:00 (both zones)


@pytest.mark.parametrize(
    ("lang", "now", "text", "utc"),
    [
        ("de", "2026-03-27 12:00", "Sa 19 Uhr", "2026-03-28 18:00"),
        ("de", "2026-03-27 12:00", "So 19 Uhr", "2026-03-29 17:00"),
        ("de", "2026-03-27 12:00", "übermorgen um 19 Uhr", "2026-03-29 17:00"),
        ("de", "2026-03-27 12:00", "So um 1:30", "2026-03-29 00:30"),
        ("de", "2026-10-23 12:00", "So 19 Uhr", "2026-10-25 18:00"),
        ("de", "2026-10-24 12:00", "morgen 19 Uhr", "2026-10-25 18:00"),
        ("de", "2026-10-23 12:00", "in 1 Woche 19 Uhr", "2026-10-30 18:00"),
        ("es", "2026-03-27 12:00", "sáb a las 19", "2026-03-28 18:00"),
        ("es", "2026-03-27 12:00", "dom a las 7 de la tarde", "2026-03-29 17:00"),
        ("es", "2026-03-27 12:00", "pasado mañana a las 19", "2026-03-29 17:00"),
        ("es", "2026-10-23 12:00", "el domingo a las 19", "2026-10-25 18:00"),
        ("es", "2026-10-24 12:00", "mañana 19:00", "2026-10-25 18:00"),
        # elapsed time across the autumn change: 01:30 CEST plus two hours is 02:30 CET
        ("es", "2026-10-25 01:30", "en 2 horas", "2026-10-25 01:30"),
        ("de", "2026-10-25 01:30", "in 2 Stunden", "2026-10-25 01:30"),
    ],
)
def test_a_wall_time_keeps_its_clock_on_both_sides_of_a_change(
    lang: str, now: str, text: str, utc: str
) -> None:
    at = read(lang, text, now)
    assert at.astimezone(UTC) == datetime.fromisoformat(utc).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "text", "utc", "note"),
    [
        (
            "de",
            "So um halb drei",
            "2026-03-29 01:30",
            "So., 29. März 2026 um 02:30 gibt es in Europe/Berlin nicht (die Uhren werden"
            " vorgestellt), also ist es 03:30",
        ),
        (
            "es",
            "dom a las 2:30",
            "2026-03-29 01:30",
            "dom, 29 mar 2026, 02:30 no existe en Europe/Madrid (se adelantan los relojes),"
            " así que son las 03:30",
        ),
    ],
)
def test_a_time_in_the_spring_gap_moves_forward_and_says_so_in_the_language(
    lang: str, text: str, utc: str, note: str
) -> None:
    zone = BERLIN if lang == "de" else MADRID
    with language.speaking(lang), language.watching() as missing:
        when = talk_time(text, local("2026-03-27 12:00", zone), zone)
    assert not missing
    assert when.at.astimezone(UTC) == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert when.note == note
    assert english_words(note) == []


@pytest.mark.parametrize(
    ("lang", "text", "words"),
    [
        ("de", "So 2:30 Uhr", "gibt es in Europe/Berlin zweimal"),
        ("es", "dom a las 2:30", "ocurre dos veces en Europe/Madrid"),
    ],
)
def test_a_time_that_happens_twice_is_its_first_and_says_so_in_the_language(
    lang: str, text: str, words: str
) -> None:
    zone = BERLIN if lang == "de" else MADRID
    with language.speaking(lang), language.watching() as missing:
        when = talk_time(text, local("2026-10-23 12:00", zone), zone)
    assert not missing
    assert when.at.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert when.note is not None
    assert words in when.note
    assert "02:30 CEST" in when.note
    assert english_words(when.note) == []


# what it says back ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "morgen", "'morgen' hat noch keine Uhrzeit: schreib eine dazu, etwa 'morgen 19:00'"),
        (
            "de",
            "nächsten Freitag um",
            "'nächsten Freitag um' hat noch keine Uhrzeit: schreib eine dazu,"
            " etwa 'nächsten Freitag 19:00'",
        ),
        ("es", "mañana", "'mañana' no tiene hora: añade una, por ejemplo 'mañana 19:00'"),
        (
            "es",
            "el viernes a las",
            "'el viernes a las' no tiene hora: añade una, por ejemplo 'el viernes 19:00'",
        ),
        (
            "de",
            "heute 8 Uhr",
            "'heute 8 Uhr' ist Mi., 2. Dez. 2026 um 08:00, und diese Zeit ist schon vorbei",
        ),
        (
            "de",
            "8 Uhr",
            "'8 Uhr' ist Mi., 2. Dez. 2026 um 08:00, und diese Zeit ist schon vorbei;"
            " für morgen schreib 'morgen 08:00'",
        ),
        (
            "es",
            "ayer a las 10",
            "'ayer a las 10' es mar, 1 dic 2026, 10:00, y esa hora ya ha pasado",
        ),
        (
            "es",
            "a las 8",
            "'a las 8' es mié, 2 dic 2026, 08:00, y esa hora ya ha pasado;"
            " para mañana, escribe 'mañana 08:00'",
        ),
        ("de", "Fr 5.12. 19 Uhr", "'Fr 5.12. 19 Uhr': der 5. Dez. 2026 ist ein Samstag"),
        (
            "es",
            "vie 5 de diciembre a las 19",
            "'vie 5 de diciembre a las 19': el 5 dic 2026 es sábado",
        ),
        (
            "de",
            "tonight 9:00",
            "'tonight 9:00' wäre 09:00 am Morgen; für den Abend schreib 'heute abend 21:00'",
        ),
        (
            "es",
            "tonight 0:30",
            "'tonight 0:30' serían las 00:30 de la mañana; para después de medianoche,"
            " escribe 'mañana 00:30'",
        ),
    ],
)
def test_what_it_says_back_is_in_the_language(lang: str, text: str, expected: str) -> None:
    assert refusal(lang, text) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "sa 19"),  # an hour alone is ambiguous, as in English
        ("de", "blursday 19 Uhr"),
        ("de", "morgen 19 Uhr morgens"),  # 19 is no morning hour
        ("de", "morgen 25 Uhr"),
        ("de", "halb"),
        ("de", "halb 0"),  # half an hour before midnight is not a time of this day
        ("de", "Fr viertel vor"),
        ("de", "in null Tagen 19 Uhr"),
        ("de", "in 2 Stunden 18 Uhr"),
        ("de", "nächsten nächsten Fr 19 Uhr"),
        ("es", "mar 19"),
        ("es", "mañana a las 19 de la mañana"),
        ("es", "en 2 meses a las 19"),
        ("es", "el viernes que viene que viene a las 19"),
        ("es", "a las"),
        ("es", "vie a las 0 menos cuarto"),
        ("de", "31. Februar 19 Uhr"),
        ("es", "30 de febrero a las 19"),
    ],
)
def test_forms_outside_the_grammar_are_refused_in_the_language(lang: str, text: str) -> None:
    message = refusal(lang, text)
    unread = "kann halfway nicht als Zeit lesen" if lang == "de" else "no es una hora que"
    assert unread in message
    assert ("versuch es mit" if lang == "de" else "prueba con") in message


def test_the_further_refusals_are_in_the_language() -> None:
    assert "mehr als zehn Jahre" in refusal("de", "2040-01-01 19 Uhr")
    assert "más de diez años" in refusal("es", "2040-01-01 a las 19")
    too_long = refusal("de", "x" * (MAX_LENGTH + 1))
    assert too_long.startswith(f"das ist zu lang für eine Zeitangabe (höchstens {MAX_LENGTH}")


def test_the_words_of_one_language_are_not_read_in_another() -> None:
    with pytest.raises(WhenError):
        talk_time("morgen 20:30", local(WEDNESDAY, BERLIN), BERLIN, language="en")
    with pytest.raises(WhenError):
        talk_time("mañana 20:30", local(WEDNESDAY, BERLIN), BERLIN, language="de")
    at = talk_time("mañana 20:30", local(WEDNESDAY, BERLIN), BERLIN, language="es").at
    assert at == local("2026-12-03 20:30", BERLIN)


def test_hostile_input_is_refused_quickly_in_every_language() -> None:
    hostile = ["halb " * 12, "um " * 21, "a las " * 10, "de la tarde " * 5, "in " * 21]
    hostile += ["19 Uhr " * 9, "que viene " * 6, "1 " * 32, "acht " * 12, "x" * 1_000_000]
    started = time.process_time()
    for lang in ("de", "es"):
        for text in hostile:
            with language.speaking(lang), pytest.raises(WhenError):
                talk_time(text, local(WEDNESDAY, BERLIN), BERLIN)
    assert time.process_time() - started < 0.5


# the time line of `status`, `upcoming` and a talk's head ----------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Sun 2026-03-29 18:00 CEST"),
        ("de", "So. 2026-03-29 18:00 CEST"),
        ("es", "dom 2026-03-29 18:00 CEST"),
    ],
)
def test_the_time_line_names_its_weekday_in_the_language(lang: str, expected: str) -> None:
    from halfway.core.schedule import clock_text

    moment = datetime(2026, 3, 29, 16, 0, 15, tzinfo=UTC)
    with language.speaking(lang):
        assert clock_text(moment, BERLIN) == expected
        assert clock_text(moment, BERLIN, seconds=True) == expected.replace(":00 ", ":00:15 ")


# the hint and the command ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "es"])
def test_every_example_the_hint_gives_is_read_in_its_language(lang: str) -> None:
    from halfway.talks.when import HINT

    with language.speaking(lang):
        hint = language._(HINT)
    examples = hint.split("'")[1::2]
    assert len(examples) == 5
    for example in examples:
        read(lang, example)  # raises if not


def test_talk_add_reads_a_german_when_and_refuses_in_german(halfway, config_file) -> None:
    written = config_file('language = "de"\n')
    ran = halfway("talk", "add", "übermorgen um 19 Uhr", "--config", str(written.path))
    assert ran.code == 0, ran.err
    bad = halfway("talk", "add", "Sa 19", "--config", str(written.path))
    assert bad.code == 2
    (line,) = bad.err.strip().splitlines()
    assert "'Sa 19' kann halfway nicht als Zeit lesen; versuch es mit" in line
    # the command and its argument are named as typed: 'halfway talk: WHEN: …'
    assert english_words(line, allowed=("Sa 19", "halfway talk: WHEN:")) == []
