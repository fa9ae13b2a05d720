"""The German and Spanish words of a talk's WHEN, read into the English grammar of
`talks/when`: `morgen um 19 Uhr` is read as `tomorrow at 19:00`, `nächsten Freitag
halb acht abends` as `next friday 19:30`, `el viernes que viene a las 7 de la tarde`
as `next friday at 19:00`, `en 2 horas` as `in 2 hours`, `5. Dezember` and `5 de
diciembre` as the configured date order writes the 5th of December.

One grammar, one set of rules (which day, daylight saving, what has passed), whatever
the language: each language only brings its words. English stays readable in every
language (a German may type `sat 19:00`), so a word this table does not know is
passed on as it is. Case and accents are folded first (`MAÑANA`, `manana`, `Nächsten`,
`naechsten`), full-width digits are not (they stay unread, as in English).

A bare hour is a time only where the language makes it one: after `um` or `a las`,
before `Uhr` or `h`, or with a part of the day (`7 abends`, `7 de la tarde`); `sa 19`
stays unread, as `sat 19` does. Words around the hour move it: `halb acht` (7:30),
`viertel nach acht`, `viertel vor acht`, `8 y media`, `8 y cuarto`, `8 menos cuarto`; a
part of the day puts it on the 24-hour clock (`halb acht abends`: 19:30), and refuses
an hour it cannot hold (`19 Uhr morgens`). Pure, and linear in the (length-limited)
input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# The parts of the day, each putting an hour of the 12-hour clock on the 24-hour one.
PM = "pm"  # afternoon, evening: 7 -> 19
NIGHT = "night"  # 11 -> 23, 2 -> 02, 12 -> 00
MORNING = "morning"  # 7 -> 07; 19 is no morning hour
NOON = "noon"  # 12 -> 12, 1 -> 13

_HOUR = re.compile(r"[0-9]{1,2}")
_CLOCK = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
_MINUTE = re.compile(r"[0-9]{2}")  # 19 Uhr 30
_DAY = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")
_H = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?h")  # 19h, 19:30h (Spanish)
UNREAD = "?"  # a time that cannot be (19 in the morning): the grammar refuses it


@dataclass(frozen=True)
class Words:
    """One language's words, folded (lower case, no accents)."""

    # word or words -> the English words they are read as (() drops them)
    phrases: dict[tuple[str, ...], tuple[str, ...]]
    # words that mean 'at' before a time; a bare hour may follow them
    at: tuple[tuple[str, ...], ...]
    hours: dict[str, int]  # the hours as words: acht, siete
    after_hour: tuple[str, ...]  # 19 Uhr, 19 h
    parts: dict[tuple[str, ...], str]  # the parts of the day: abends, de la tarde
    # words before the hour, and the minutes they add: halb acht (-30), viertel nach acht
    before_hour: dict[tuple[str, ...], int] = field(default_factory=dict)
    # words after the hour, and the minutes they add: 7 y media (30), 8 menos cuarto (-15)
    minutes: dict[tuple[str, ...], int] = field(default_factory=dict)
    # after a weekday, words that make it the next one: el viernes que viene
    next_after: tuple[tuple[str, ...], ...] = ()
    # words dropped unless they follow a number ('am': German 'on', English 'am')
    keep_after_number: tuple[str, ...] = ()
    months: dict[str, int] = field(default_factory=dict)  # dezember, dic
    of: str = ""  # the word between a day and its month, and its year: 5 de diciembre


def fold(text: str) -> list[str]:
    """The words of `text`, lower case and without accents (ß is ss); a trailing comma,
    and a trailing dot after letters ('Sa.', 'Uhr.'), taken off."""
    plain = "".join(
        c for c in unicodedata.normalize("NFD", text.casefold()) if unicodedata.category(c) != "Mn"
    )
    words = []
    for word in plain.split():
        word = word.rstrip(",")
        if word.endswith(".") and word[:-1].isalpha():
            word = word[:-1]
        if word:
            words.append(word)
    return words


def english(words: list[str], language: str, order: str = "dmy") -> list[str]:
    """`words` (folded) read into the English grammar's words; as they are for English.
    A date with its month's name is written as `order` reads a date of numbers."""
    table = LANGUAGES.get(language)
    if table is None:
        return words
    out: list[str] = []
    clocks: list[tuple[int, int, str | None]] = []  # (hour, minute, its own part of the day)
    part: str | None = None  # a part of the day standing on its own: morgen abend
    i = 0
    while i < len(words):
        bare = bool(out) and out[-1] == "at"
        counting = bool(out) and out[-1] == "in"  # en 2 horas: a count, not a time
        if not counting and (named := _named_date(words, i, table, order)) is not None:
            out.append(named[0])
            i = named[1]
            continue
        if not counting and (clock := _clock(words, i, table, bare)) is not None:
            hour, minute, own, i = clock
            clocks.append((hour, minute, own))
            out.append(f"\0{len(clocks) - 1}")
            continue
        if (found := _part(words, i, table)) is not None:
            part, i = found
            continue
        if (at := _match(words, i, table.at)) is not None:
            out.append("at")
            i += at
            continue
        if (turned := _next_day(words, i, table)) is not None:
            out += turned[0]
            i = turned[1]
            continue
        if out and out[-1] == "in" and words[i] in table.hours:  # in zwei Stunden
            out.append(str(table.hours[words[i]]))
            i += 1
            continue
        if words[i] in table.keep_after_number and not (out and out[-1].isdigit()):
            i += 1  # am Freitag (but 7 am)
            continue
        for size in (4, 3, 2, 1):
            key = tuple(words[i : i + size])
            if len(key) == size and key in table.phrases:
                out += table.phrases[key]
                if key in _TONIGHT.get(language, {}):
                    part = part or _TONIGHT[language][key]
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return [_clock_word(clocks[int(w[1:])], part) if w.startswith("\0") else w for w in out]


def _clock_word(clock: tuple[int, int, str | None], part: str | None) -> str:
    """'19:30' for a clock read from the words, its part of the day (or the phrase's) applied."""
    hour, minute, own = clock
    read = _in_part(hour, own or part)
    if read is None or not 0 <= minute <= 59:
        return UNREAD
    return f"{read:02d}:{minute:02d}"


def _in_part(hour: int, part: str | None) -> int | None:
    if part is None:
        return hour if 0 <= hour <= 23 else None
    if part == PM:
        return hour + 12 if 1 <= hour <= 11 else hour if 12 <= hour <= 23 else None
    if part == NIGHT:
        return {12: 0}.get(
            hour, hour + 12 if 6 <= hour <= 11 else hour if 0 <= hour <= 23 else None
        )
    if part == NOON:
        return hour + 12 if 1 <= hour <= 4 else hour if hour in (11, 12, 13, 14, 15, 16) else None
    return hour if 0 <= hour <= 11 else None  # MORNING


def _match(words: list[str], i: int, options: tuple[tuple[str, ...], ...]) -> int | None:
    """How many words at `i` one of `options` takes (the longest), or None."""
    sizes = [len(o) for o in options if tuple(words[i : i + len(o)]) == o]
    return max(sizes) if sizes else None


def _part(words: list[str], i: int, table: Words) -> tuple[str, int] | None:
    for key, part in table.parts.items():
        if tuple(words[i : i + len(key)]) == key:
            return part, i + len(key)
    return None


def _next_day(words: list[str], i: int, table: Words) -> tuple[list[str], int] | None:
    """'viernes que viene', 'viernes próximo': next friday."""
    day = table.phrases.get((words[i],))
    if not table.next_after or not day or len(day) != 1 or day[0] not in _WEEKDAY_NAMES:
        return None
    taken = _match(words, i + 1, table.next_after)
    return None if taken is None else (["next", day[0]], i + 1 + taken)


def _hour(word: str, table: Words) -> int | None:
    if _HOUR.fullmatch(word):
        return int(word)
    return table.hours.get(word)


def _clock(
    words: list[str], i: int, table: Words, bare: bool
) -> tuple[int, int, str | None, int] | None:
    """A time at word `i`: (hour, minute, its own part of the day, the next word's index).
    A bare hour only where `bare` (after 'um', 'a las') or with 'Uhr', 'h' or a part."""
    word, j, minute, spoken = words[i], i + 1, 0, False
    if (size := _match(words, i, tuple(table.before_hour))) is not None:  # halb acht
        hour = _hour(words[i + size], table) if i + size < len(words) else None
        if hour is None:
            return None
        hour, minute = _moved(hour, table.before_hour[tuple(words[i : i + size])])
        j, bare = i + size + 1, True
    elif match := _H.fullmatch(word):  # 19h, 19:30h
        return int(match[1]), int(match[2] or 0), *_own_part(words, j, table)
    elif match := _CLOCK.fullmatch(word):  # 19:30 Uhr, 7:30 abends, or the last word
        hour, minute, spoken = int(match[1]), int(match[2]), True
        bare = j == len(words)
    elif (hour := _hour(word, table)) is None:
        return None
    if j < len(words) and words[j] in table.after_hour:  # 19 Uhr, 19 Uhr 30, 19 h
        j, bare = j + 1, True
        if not spoken and j < len(words) and _MINUTE.fullmatch(words[j]):
            minute, j = int(words[j]), j + 1
    elif not spoken and (extra := _match(words, j, tuple(table.minutes))) is not None:
        hour, minute = _moved(hour, minute + table.minutes[tuple(words[j : j + extra])])
        j, bare = j + extra, True
    own, after = _own_part(words, j, table)
    if not bare and own is None:
        return None  # a number alone: 'in 2 hours', 'sa 19'; 19:30 before other words
    return hour, minute, own, after


def _moved(hour: int, minutes: int) -> tuple[int, int]:
    """`hour` plus `minutes` (fewer than 60 either way), as (hour, minute); an hour of -1
    (no time) for a time before midnight ('halb 0') or an hour that is none ('halb 30')."""
    total = hour * 60 + minutes
    if not 0 <= hour <= 24 or total < 0:
        return -1, 0
    return total // 60 % 24, total % 60


def _named_date(words: list[str], i: int, table: Words, order: str) -> tuple[str, int] | None:
    """'5. Dezember', '5 de diciembre de 2026': the date as the grammar reads it (ISO with
    its year, else as `order` writes a day and month), and the next word's index."""
    day, j = words[i].removesuffix("."), i + 1
    if not table.months or not _DAY.fullmatch(day):
        return None
    if table.of and words[j : j + 1] == [table.of]:
        j += 1
    month = table.months.get(words[j]) if j < len(words) else None
    if month is None:
        return None
    j += 1
    k = j + 1 if table.of and words[j : j + 1] == [table.of] else j
    if k < len(words) and _YEAR.fullmatch(words[k]):
        return f"{words[k]}-{month:02d}-{int(day):02d}", k + 1
    return (f"{day}.{month}." if order == "dmy" else f"{month}/{day}"), j


def _own_part(words: list[str], j: int, table: Words) -> tuple[str | None, int]:
    found = _part(words, j, table)
    return (None, j) if found is None else found


_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _days(names: list[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[str, ...]]:
    return {(word,): (_WEEKDAY_NAMES[n],) for n, words in enumerate(names) for word in words}


def _months(words: str) -> dict[str, int]:
    return _numbers(words)


def _numbers(words: str) -> dict[str, int]:
    return {word: n for n, group in enumerate(words.split(), 1) for word in group.split("/")}


GERMAN = Words(
    phrases={
        **_days(
            [
                ("mo", "montag"),
                ("di", "dienstag"),
                ("mi", "mittwoch"),
                ("do", "donnerstag"),
                ("fr", "freitag"),
                ("sa", "samstag", "sonnabend"),
                ("so", "sonntag"),
            ]
        ),
        ("heute",): ("today",),
        ("heute", "abend"): ("tonight",),
        ("heute", "nacht"): ("tonight",),
        ("morgen",): ("tomorrow",),
        ("ubermorgen",): ("in", "2", "days"),
        ("uebermorgen",): ("in", "2", "days"),
        ("gestern",): ("yesterday",),
        **{(w,): ("next",) for w in ("nachsten", "nachste", "nachster", "naechsten")},
        **{(w,): ("next",) for w in ("naechste", "kommenden", "kommende", "kommender")},
        **{(w,): () for w in ("diesen", "diese", "dieser", "den")},
        **{(w,): ("day",) for w in ("tag",)},
        **{(w,): ("days",) for w in ("tage", "tagen")},
        **{(w,): ("week",) for w in ("woche",)},
        **{(w,): ("weeks",) for w in ("wochen",)},
        **{(w,): ("hours",) for w in ("stunde", "stunden", "std")},
        **{(w,): ("minutes",) for w in ("minute", "minuten")},
        **{(w,): ("1",) for w in ("ein", "eine", "einem", "einer", "einen")},
        ("einer", "halben", "stunde"): ("30", "minutes"),
        ("einer", "viertelstunde"): ("15", "minutes"),
        ("h",): ("hours",),
        ("anderthalb", "stunden"): ("90", "minutes"),
    },
    at=(("um",), ("gegen",)),
    hours=_numbers("ein/eins zwei drei vier funf sechs sieben acht neun zehn elf zwolf"),
    after_hour=("uhr",),
    parts={
        **{(w,): PM for w in ("abend", "abends", "nachmittag", "nachmittags")},
        **{(w,): NIGHT for w in ("nacht", "nachts")},
        **{(w,): MORNING for w in ("fruh", "morgens", "vormittag", "vormittags")},
        **{(w,): NOON for w in ("mittag", "mittags")},
    },
    before_hour={
        ("halb",): -30,
        ("viertel", "nach"): 15,
        ("viertel", "vor"): -15,
        ("dreiviertel",): -15,
    },
    keep_after_number=("am",),
    months=_months(
        "januar/jan februar/feb marz/maerz/mar april/apr mai juni/jun juli/jul august/aug"
        " september/sep/sept oktober/okt november/nov dezember/dez"
    ),
)

SPANISH = Words(
    phrases={
        **_days(
            [
                ("lun", "lunes"),
                ("mar", "martes"),
                ("mie", "miercoles"),
                ("jue", "jueves"),
                ("vie", "viernes"),
                ("sab", "sabado"),
                ("dom", "domingo"),
            ]
        ),
        ("hoy",): ("today",),
        ("esta", "noche"): ("tonight",),
        ("esta", "tarde"): ("today",),
        ("manana",): ("tomorrow",),
        ("pasado", "manana"): ("in", "2", "days"),
        ("ayer",): ("yesterday",),
        **{(w,): ("next",) for w in ("proximo", "proxima")},
        **{(w,): () for w in ("el", "este", "para")},
        ("en",): ("in",),
        ("dentro", "de"): ("in",),
        ("dia",): ("day",),
        ("dias",): ("days",),
        ("semana",): ("week",),
        ("semanas",): ("weeks",),
        **{(w,): ("hours",) for w in ("hora", "horas")},
        **{(w,): ("minutes",) for w in ("minuto", "minutos")},
        **{(w,): ("1",) for w in ("un", "una")},
        ("media", "hora"): ("30", "minutes"),
        ("un", "cuarto", "de", "hora"): ("15", "minutes"),
        ("hora", "y", "media"): ("90", "minutes"),
        ("h",): ("hours",),
    },
    at=(("a", "las"), ("a", "la"), ("sobre", "las")),
    hours=_numbers("una/uno dos tres cuatro cinco seis siete ocho nueve diez once doce"),
    after_hour=("h", "horas", "hs"),
    parts={
        **{("de", "la", w): PM for w in ("tarde",)},
        **{(p, "la", "tarde"): PM for p in ("por", "en")},
        **{(p, "la", "noche"): NIGHT for p in ("de", "por", "en")},
        **{(p, "la", w): MORNING for p in ("de", "por", "en") for w in ("manana", "madrugada")},
        ("del", "mediodia"): NOON,
        ("al", "mediodia"): NOON,
    },
    minutes={("y", "media"): 30, ("y", "cuarto"): 15, ("menos", "cuarto"): -15, ("en", "punto"): 0},
    next_after=(("que", "viene"), ("proximo",)),
    months=_months(
        "enero/ene febrero/feb marzo/mar abril/abr mayo/may junio/jun julio/jul agosto/ago"
        " septiembre/setiembre/sep/sept octubre/oct noviembre/nov diciembre/dic"
    ),
    of="de",
)

LANGUAGES = {"de": GERMAN, "es": SPANISH}
# A phrase for 'tonight' that also says which part of the night it means.
_TONIGHT = {
    "de": {("heute", "abend"): PM, ("heute", "nacht"): NIGHT},
    "es": {("esta", "noche"): NIGHT, ("esta", "tarde"): PM},
}
