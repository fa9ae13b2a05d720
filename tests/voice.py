"""halfway's voice, as checks: what no text a person reads may say, and how long it may be.

halfway speaks English, German and Spanish: every rule has its words in each language,
written for how that language blames, pushes, demands or keeps score (not translated
word for word), and every text is held to all three (a German word never shows in an
English text, so nothing is found wrongly). The lengths are the same in every language:
a lock screen is as wide in German.

Used by tests/test_voice.py (every string a person can read, from every source) and
tests/test_words.py. A check names the rule and the words that broke it, so a failure
reads as a sentence, not as a regular expression.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from . import voice_words as de_es

# A notification's title shows on one line: in portrait at the default font size, Android's
# collapsed notification and the iOS lock screen show about 40–50 characters before cutting
# it with "…". 48 keeps every title whole.
MAX_TITLE = 48
# A page's <title> or a mail's subject: a browser tab or an inbox line, a little wider.
MAX_HEADING = 60
# An expanded notification (Android's big text, iOS's lock screen) shows six or seven lines of
# about 35–40 characters; 240 reads in one glance, without "more", safety line included.
MAX_BODY = 240


def _words(*patterns: str) -> re.Pattern[str]:
    """One pattern that finds any of `patterns` as whole words, in any case."""
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


# Blame and diagnosis of the partner, and verdicts on them: never in halfway's words.
BLAME = _words(
    r"narcissis\w*",
    r"toxic\w*",
    r"gaslight\w*",
    r"manipulat\w*",
    r"abusive",
    r"abuser\w*",
    r"sociopath\w*",
    r"psychopath\w*",
    r"(?:personality )?disorder\w*",
    r"borderline",
    r"bipolar",
    r"avoidant",
    r"attachment style",
    r"co-?dependen\w*",
    r"selfish\w*",
    r"lazy",
    r"immature",
    r"cold-hearted",
    r"heartless",
    r"controlling",
    r"red flags?",
    r"(?<!not )(?<!n't )(?:your|their|his|her|my) fault",  # "it is not your fault" is kind
    r"(?:they|he|she) (?:always|never)",
    r"(?:doesn't|does not|don't|do not|never) (?:care|cares|love|loves|try|tries)",
    r"not (?:even )?trying",
)
# Pushing the person to stay or to leave.
PUSH = _words(
    r"leave (?:them|him|her)",
    r"(?:should|must|need to|have to) (?:leave|stay|go)",
    r"(?:break|breaking) up",
    r"divorce\w*",
    r"walk away",
    r"give up on (?:them|him|her|us)",
)
# Telling the person what they must do: a nudge invites (a command's usage line may
# say what it needs, so "cli" texts are not held to this). "Du musst heute nichts
# entscheiden", "no tienes que decidir hoy" are kind.
DEMAND = _words(r"you (?:must|should|have to|need to|ought to)")
# Guilt for what was not done: never said to the person.
GUILT = _words(
    r"you missed",
    r"you forgot",
    r"you failed",
    r"failed to",
    r"you (?:didn't|did not|haven't|have not|never) (?:answer|answered|reply|replied|respond|responded|log|logged|write|wrote)",
    r"you only (?:answered|replied|responded|logged|wrote|noted|did|managed)",
)
# In the digest, a skipped or missed check-in is not the person's to read about: it
# belongs in `halfway status`.
DIGEST_GUILT = _words(r"missed", r"\d+ skipped", r"unanswered")
# A score of the partner: a percentage, arrows, a balance, a ratio of check-ins.
SCORE = re.compile(
    r"%|[▲▼↑↓]"
    r"|\b(?:balance|ratio|share of)\b"
    r"|\b\d+ (?:of|out of) \d+ (?:check-ins?|nudges?|reminders?|messages?|questions?|asks?)\b",
    re.IGNORECASE,
)
THEIR_SIDE = _words(
    r"their side",
    r"their effort",
    r"their reaching out",
    r"(?:seine|ihre|seiner|ihrer) seite",
    r"(?:sein|ihr|seinem|ihrem) (?:einsatz|aufwand|bemühen)",
    r"su (?:lado|parte|esfuerzo)",
)
YOUR_SIDE = _words(
    r"your side",
    r"your effort",
    r"your reaching out",
    r"my reaching out",
    r"deine[rn]? seite",
    r"dein(?:em)? (?:einsatz|aufwand|bemühen)",
    r"mein(?:em)? (?:einsatz|aufwand|bemühen)",
    r"(?:tu|mi) (?:lado|parte|esfuerzo)",
)
# Each side of a tally, in each language (German "ihr" and "sie" may be either: they
# count as the partner's, the stricter reading).
ME = _words(
    r"you", r"your", r"yours", r"I", r"me", r"my", r"mine",
    r"du", r"dein\w*", r"dich", r"dir", r"ich", r"mich", r"mir", r"mein\w*",
    r"tú", r"tu", r"tus", r"te", r"ti", r"contigo", r"yo", r"mí", r"mi", r"mis", r"conmigo",
)  # fmt: skip
THEM = _words(
    r"they", r"them", r"their", r"theirs", r"partner", r"partner's",
    r"er", r"sie", r"ihn", r"ihm", r"ihr\w*", r"sein\w*", r"gegenüber", r"partner\w*",
    r"él", r"ella", r"ellos", r"ellas", r"su", r"sus", r"le", r"les", r"pareja",
)  # fmt: skip
COUNT = _words(
    r"\d+",
    r"once",
    r"twice",
    r"(?:two|three|four|five|six|seven|eight|nine|ten) times",
    r"(?:ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn)mal",
    r"una vez",
    r"(?:dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez) veces",
)
MONTHS = (
    "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    "|Mär|Mai|Okt|Dez"  # German, where not the same as English
    "|ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic"  # Spanish, in lower case
)
DATES = re.compile(
    rf"\b\d{{1,2}}\.? (?:de )?(?:{MONTHS})\w*|\b(?:{MONTHS})\w* \d{{1,2}}\b|\b\d{{4}}-W?\d{{2}}(?:-\d{{2}})?"
    r"|\b\d{4}\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\.\d{1,2}\.|\b\d{1,2} – \d{1,2}\b"
)
URL = re.compile(r"\S+://\S+")


# Every rule that finds words, with its words in English, German and Spanish.
# (tests/voice_words.py has the German and Spanish words).
RULES = (
    ("blames or diagnoses", (BLAME, _words(*de_es.BLAME_DE), _words(*de_es.BLAME_ES))),
    ("pushes", (PUSH, _words(*de_es.PUSH_DE), _words(*de_es.PUSH_ES))),
    ("demands", (DEMAND, _words(*de_es.DEMAND_DE), _words(*de_es.DEMAND_ES))),
    ("guilt", (GUILT, _words(*de_es.GUILT_DE), _words(*de_es.GUILT_ES))),
    ("keeps score", (SCORE, _words(*de_es.SCORE_DE), _words(*de_es.SCORE_ES))),
    (
        "guilt (belongs in status)",
        (DIGEST_GUILT, _words(*de_es.DIGEST_GUILT_DE), _words(*de_es.DIGEST_GUILT_ES)),
    ),
)


@dataclass(frozen=True)
class Text:
    """Words a person reads, and where they came from.

    role: "text" (anything), "cli" (a command's output: it may say what it needs),
    "title" (a push title or a nudge's title: a lock screen),
    "heading" (a page's <title>, a mail's subject), "push" (a push body: its words,
    without the link), "digest" (the digest, in any of its forms)."""

    where: str
    text: str
    role: str = "text"


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(0) for m in pattern.finditer(text)]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()]


YOUR_PARTNER = _words(  # the partner's side, not the person's
    r"(?:your|my) partner",
    r"(?:dein|deine|deinem|deinen|deiner|mein|meine|meinem|meinen|meiner) (?:gegenüber|partner\w*)",
    r"(?:tu|mi) pareja",
)
CLAUSE = re.compile(r"[,;:·()¿¡]|\s[–-]\s|\b(?:and|but|while|und|aber|während|y|pero|mientras)\b")


def tallies(text: str) -> list[str]:
    """Sentences that count the person and the partner side by side ("them 2 · you 3",
    "You reached out 3 times, they did twice"): a race, whoever is ahead. A count that
    names no side ("in 3 of the last 8 weeks") is not one."""
    found = []
    for sentence in _sentences(DATES.sub(" ", URL.sub(" ", text))):
        sides: set[str] = set()
        for clause in CLAUSE.split(YOUR_PARTNER.sub("partner", sentence)):
            counts = len(_found(COUNT, clause))
            me, them = bool(ME.search(clause)), bool(THEM.search(clause))
            if counts >= 2 and me and them:
                sides |= {"me", "them"}
            elif counts and me != them:
                sides.add("me" if me else "them")
        if sides == {"me", "them"}:
            found.append(sentence.strip())
    return found


def _line_of(text: str, start: int) -> str:
    """The line of `text` around position `start`, as a person reads it."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", start)
    return " ".join(text[first : last if last >= 0 else len(text)].split())


def findings(item: Text, extra_lines: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every way `item` breaks halfway's voice: (the problem, the line it is in).
    `extra_lines`: standard lines a push body may carry beside its words (a reminder's
    line, the pause offer), not counted in its length."""
    text = URL.sub(lambda m: " " * len(m.group(0)), item.text.replace("’", "'"))
    found: list[tuple[str, str]] = []

    def each(rule: str, pattern: re.Pattern[str]) -> None:
        for match in pattern.finditer(text):
            found.append((f"{rule}: {match.group(0)!r}", _line_of(text, match.start())))

    for rule, patterns in RULES:
        if item.role == "cli" and rule == "demands":
            continue
        if item.role != "digest" and rule == "guilt (belongs in status)":
            continue
        for pattern in patterns:
            each(rule, pattern)
    found += [("keeps score (a tally of both of you)", s) for s in tallies(text)]
    for line in text.splitlines():
        theirs, yours = THEIR_SIDE.search(line), YOUR_SIDE.search(line)
        if theirs and yours:
            pair = f"{theirs.group(0)!r} / {yours.group(0)!r}"
            found.append((f"keeps score (their side against yours): {pair}", line.strip()))
    shown = " ".join(item.text.split())[:100]
    if item.role == "title" and (len(item.text) > MAX_TITLE or "\n" in item.text):
        found.append((f"a title longer than {MAX_TITLE} characters ({len(item.text)})", shown))
    if item.role == "heading" and len(item.text) > MAX_HEADING:
        found.append((f"a heading longer than {MAX_HEADING} characters ({len(item.text)})", shown))
    if item.role == "push":
        kept = [
            line
            for line in item.text.splitlines()
            if not URL.search(line) and line.strip() not in extra_lines
        ]
        length = len("\n".join(kept).strip())
        if length > MAX_BODY:
            found.append((f"a push body longer than {MAX_BODY} characters ({length})", shown))
    return found


def problems(item: Text, extra_lines: tuple[str, ...] = ()) -> list[str]:
    """Every way `item` breaks halfway's voice, one line each (empty if it keeps it)."""
    return [problem for problem, _line in findings(item, extra_lines)]


def report(items: list[Text], extra_lines: tuple[str, ...] = ()) -> list[str]:
    """Each problem of `items` once, as 'where: problem' and the line it is in."""
    lines: list[str] = []
    for item in items:
        for problem, line in findings(item, extra_lines):
            entry = f"{item.where}: {problem}" + (f"\n    in: {line[:200]}" if line else "")
            if entry not in lines:
                lines.append(entry)
    return lines


# --- what a page shows ------------------------------------------------------------------


class _Visible(HTMLParser):
    """The text a person sees on a page or in a mail, and its <title>."""

    HIDDEN = frozenset({"style", "script", "head"})
    READ = ("title", "alt", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.titles: list[str] = []
        self.hidden = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.HIDDEN:
            self.hidden += 1
        for name, value in attrs:
            if name in self.READ and value:
                self.parts.append(f"\n{value}\n")
        if tag in ("p", "div", "li", "tr", "h1", "h2", "h3", "br", "section", "footer"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in ("p", "div", "li", "tr", "td", "h1", "h2", "h3", "button", "option", "label"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.titles.append(data.strip())
        elif not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))  # a page's line ends where a block does


def visible(html: str) -> tuple[str, list[str]]:
    """(the text a person sees, one block per line; the page's <title>s) of `html`."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line), [t for t in parser.titles if t]


def page_texts(where: str, html: str, role: str = "text") -> list[Text]:
    """A page's (or an HTML mail's) visible text and its title, as Texts."""
    text, titles = visible(html)
    return [Text(where, text, role), *(Text(f"{where} <title>", t, "heading") for t in titles)]


# --- the strings in the code -----------------------------------------------------------


def literals(path: Path) -> list[str]:
    """Every string literal of a module that is not a docstring (f-strings' fixed parts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", node.value)  # words, not codes or keys
    ]


def code_problems(items: list[Text]) -> list[str]:
    """The problems of a module's string literals: blame, pushing, guilt said to the
    person, arrows, their side against yours (a program's own failure, a state named
    'missed', a '%' in a format or 'you must' in a usage line are not about the partner)."""
    kept = ("blames", "pushes", "guilt: 'you", "keeps score: '▲", "keeps score: '▼")
    return [
        f"{item.where}: {problem}\n    in: {item.text[:200]!r}"
        for item in items
        for problem in problems(Text(item.where, item.text))
        if problem.startswith((*kept, "keeps score (their side"))
    ]
