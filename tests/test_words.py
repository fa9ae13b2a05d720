"""halfway's words are checked: the voice, the lengths, the codes, the placeholders, the overrides.

The voice, the lengths, the variants, the codes and the placeholders are checked in every
language halfway speaks (the `lang` fixture): a German or Spanish text is held to the
same rules (tests/voice.py has each language's words) and the same lock screen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from halfway.config import values
from halfway.core import kinds
from halfway.core.kinds import PRACTICES, render
from halfway.words import catalog, language

from . import voice
from .voice import MAX_BODY, MAX_TITLE, Text

ROOT = Path(__file__).resolve().parent.parent

# The lengths and the words halfway never says are kept in one place, tests/voice.py,
# which tests/test_voice.py holds every other text a person reads to.
# The codes are stored and exported: they never change (labels may).
CODES = {
    "self_regulation": ("ready", "need_more_time"),
    "clarity_ask": (),
    "reframe": (),
    "boundary": ("held", "strained", "crossed"),
    "gesture_log": ("none",),
    "talk_reflection": (
        "agreed_time",
        "acknowledged",
        "small_change",
        "avoided",
        "refused",
        "none",
    ),
    "pattern_review": ("agreed_time", "acknowledged", "small_change", "none"),
    "custom": (),
    "step_back": ("try_it", "not_now"),
    "care": ("still_right", "change_one"),
    "care_counsel": ("will_consider", "not_now"),
    "care_movement": ("will_consider", "not_now"),
    "care_safety": ("okay", "not_now"),
}
SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
FIELDS = {
    "boundary": "no work calls after 22:00",
    "topic": "weekend time",
    "helped": "a walk first",
}
LONG_FIELD = "x" * 40  # a long boundary, like "no phone calls about work after ten at night"
# How each language quotes a field's words, and names help in the counsel and safety words.
QUOTES = {"en": ("“", "”"), "de": ("„", "“"), "es": ("«", "»")}
SAFETY_WORDS = {
    "en": ("unsafe", "emergency services", "helpline"),
    "de": ("Angst", "nicht sicher", "Notruf", "Hilfetelefon"),
    "es": ("miedo", "a salvo", "emergencias", "línea de ayuda"),
}
COUNSEL_WORDS = {"en": ("counsellor", "therapist"), "de": ("Beratung",), "es": ("terapia",)}


@pytest.fixture(params=language.LANGUAGES)
def lang(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each language halfway speaks, spoken for the test."""
    with language.speaking(request.param):
        yield request.param


def blamed(text: str) -> list[str]:
    """What in `text` blames or diagnoses the partner, pushes the person, or makes them
    feel guilty (the voice test's rules)."""
    rules = ("blames", "pushes", "demands", "guilt")
    return [problem for problem in voice.problems(Text("t", text)) if problem.startswith(rules)]


def every_text() -> list[tuple[str, str]]:
    """(where, text) for every word a person reads: titles, variants (as written and
    rendered, with and without fields), labels, scale questions, placeholder fills."""
    found: list[tuple[str, str]] = []
    for kind, practice in PRACTICES.items():
        found.append((f"{kind}.title", practice.title))
        found.append((f"{kind}.text_label", practice.text_label))
        if practice.scale:
            found.append((f"{kind}.scale", practice.scale))
        found += [(f"{kind}.choices.{code}", label) for code, label in practice.choices]
        for i, variant in enumerate(practice.variants):
            found.append((f"{kind}.variants[{i}]", variant))
            for fields in ({}, FIELDS):
                found.append(
                    (f"{kind}.variants[{i}] rendered", render(kind, variant, None, fields)[1])
                )
    for name, spec in catalog.spoken().placeholders.items():
        found += [(f"placeholders.{name}", spec.filled), (f"placeholders.{name}", spec.empty)]
    return found


def test_every_kind_has_words_and_every_configurable_kind_is_among_them() -> None:
    assert set(kinds.kinds()) == set(CODES)
    assert set(values.KINDS) <= set(kinds.kinds())


def test_no_text_blames_or_diagnoses_the_partner_or_pushes_the_user(lang: str) -> None:
    found = [f"{where}: {hits}" for where, text in every_text() if (hits := blamed(text))]
    assert not found, "\n".join(found)


def test_the_check_sees_blame_in_any_case_and_form() -> None:
    assert blamed("They NEVER listen; maybe it's a personality disorder")
    assert blamed("Classic gaslighting.")
    assert blamed("You must talk tonight")
    assert blamed("It’s your fault")
    assert not blamed("A gentle reminder of your boundary. Skipping is fine too.")
    assert blamed("Sie hört NIE zu; vielleicht ist er ein Narzisst")
    assert blamed("Du musst heute mit ihm reden")
    assert blamed("Es ist deine Schuld")
    assert not blamed("Es ist nicht deine Schuld. Du musst heute nichts entscheiden.")
    assert blamed("Tu pareja NUNCA te escucha; es una relación tóxica")
    assert blamed("Tienes que hablar esta noche")
    assert not blamed("No es culpa tuya. No tienes que decidir nada hoy.")


def test_titles_fit_a_lock_screen_and_bodies_a_notification(lang: str) -> None:
    for kind, practice in PRACTICES.items():
        assert len(practice.title) <= MAX_TITLE, kind
        assert "\n" not in practice.title, kind
        for variant in practice.variants:
            for fields in ({}, FIELDS, dict.fromkeys(practice.fields, LONG_FIELD)):
                body = render(kind, variant, None, fields)[1]
                assert len(body) <= MAX_BODY, (kind, len(body), body)


def test_every_kind_has_three_to_five_variants_none_repeated(lang: str) -> None:
    for kind, practice in PRACTICES.items():
        assert 3 <= len(practice.variants) <= 5, kind
        assert len(set(practice.variants)) == len(practice.variants), kind


def test_every_choice_is_a_stable_snake_case_code_with_a_label(lang: str) -> None:
    for kind, practice in PRACTICES.items():
        codes = tuple(code for code, _ in practice.choices)
        assert codes == CODES[kind], kind
        for code, label in practice.choices:
            assert SNAKE.fullmatch(code), (kind, code)
            assert code not in (kinds.LATER, kinds.PAUSE_WEEK), (kind, code)
            assert label.strip(), (kind, code)
            assert label != code, (kind, code)


def test_the_movement_kinds_have_their_reply_shapes() -> None:
    review = PRACTICES["pattern_review"]
    assert review.choices == kinds.MOVEMENT
    assert review.scale
    assert "energy" in review.scale  # their own energy, never "pursuing" (CARE-REVIEW)
    assert review.note
    reflection = PRACTICES["talk_reflection"]
    assert reflection.note
    assert dict(reflection.choices)["agreed_time"] == "Agreed to a time"
    boundary = PRACTICES["boundary"]
    assert boundary.note
    assert not boundary.free_text
    assert all("{boundary}" in variant for variant in boundary.variants)
    assert PRACTICES["gesture_log"].free_text
    assert PRACTICES["clarity_ask"].free_text
    assert PRACTICES["reframe"].free_text


@pytest.mark.parametrize("kind", list(CODES))
def test_every_variant_renders_with_and_without_its_fields(kind: str, lang: str) -> None:
    practice = PRACTICES[kind]
    for variant in practice.variants:
        bare = render(kind, variant)[1]
        full = render(kind, variant, fields=FIELDS)[1]
        for body in (bare, full):
            assert not re.search(r"[{}]", body), body
            assert body == body.strip(), body
            assert "  " not in body, body
        for name in catalog.PLACEHOLDER.findall(variant):
            assert FIELDS[name] in full, variant
            assert FIELDS[name] not in bare, variant
            assert catalog.spoken().placeholders[name].empty in bare


def test_a_variant_that_names_a_field_is_picked_only_when_the_field_is_given() -> None:
    seeds = [f"d_{n:04}" for n in range(200)]
    alone = {render("self_regulation", seed=seed)[1] for seed in seeds}
    assert not [body for body in alone if "talk" in body]  # no talk, no word of one
    with_topic = {render("self_regulation", seed=seed, fields=FIELDS)[1] for seed in seeds}
    assert len(with_topic) == len(PRACTICES["self_regulation"].variants)
    # a kind whose every variant names its field still renders, with the empty words
    assert "your boundary" in render("boundary", seed="d_1")[1]


def test_the_nudges_read_as_the_counsellor_asked() -> None:
    boundary = dict(PRACTICES["boundary"].choices)
    assert (boundary["strained"], boundary["crossed"]) == (
        "Felt strained",
        "Did not hold this time",
    )
    reflection = PRACTICES["talk_reflection"]
    assert dict(reflection.choices)["refused"] == "Said no"
    assert reflection.note_label == "What helped, or what to try next time"
    assert any("steady" in variant for variant in reflection.variants)
    assert PRACTICES["self_regulation"].title == "A calm minute for you"
    assert any("this talk" in variant for variant in PRACTICES["self_regulation"].variants)
    assert any("story" in variant for variant in PRACTICES["gesture_log"].variants)
    assert any("just for you" in v for v in PRACTICES["clarity_ask"].variants)
    review = PRACTICES["pattern_review"]
    assert not [v for v in (*review.variants, review.scale) if "pursu" in str(v)]
    assert not [v for v in review.variants if "was yours" in v]
    assert not [v for v in PRACTICES["reframe"].variants if "when …" in v]


def test_the_note_field_has_its_kind_s_own_words_on_the_page() -> None:
    assert kinds.shape("talk_reflection").note_label == "What helped, or what to try next time"
    assert kinds.shape("boundary").note_label == catalog.NOTE_LABEL
    own = kinds.with_overrides({"boundary": {"note_label": " How it went "}})
    assert kinds.shape("boundary", catalogue=own).note_label == "How it went"
    assert kinds.check_overrides({"gesture_log": {"note_label": "x"}}) == [
        "words.gesture_log.note_label: gesture_log has no note field"
    ]
    # a delivery stored before the label existed still reads
    assert kinds.Shape(note=True).note_label == catalog.NOTE_LABEL


def test_the_variant_is_stable_per_delivery_and_they_all_come_round(lang: str) -> None:
    assert render("gesture_log", seed="d_0001") == render("gesture_log", seed="d_0001")
    assert render("gesture_log")[1] == PRACTICES["gesture_log"].text  # no seed: the first
    seen = Counter(render("gesture_log", seed=f"d_{n:04}")[1] for n in range(200))
    assert set(seen) == set(PRACTICES["gesture_log"].variants)
    assert min(seen.values()) > 20  # spread, not stuck on one


def test_a_nudge_s_own_text_wins_and_blank_text_falls_back() -> None:
    assert render("boundary", "  My own words.  ", seed="d_1") == (
        "Your boundary, for your own well-being",
        "My own words.",
    )
    assert render("boundary", "   ", seed="d_1")[1] in {
        render("boundary", v)[1] for v in PRACTICES["boundary"].variants
    }


def test_fields_are_put_in_as_words_never_read_as_a_template() -> None:
    tricky = "{topic} {value} {0} {boundary.__class__} %s"
    body = render("boundary", "Mind {boundary}, {unknown} and {0}.", fields={"boundary": tricky})[1]
    assert body == f"Mind your boundary “{tricky}”, {{unknown}} and {{0}}."
    assert render("custom", "Braces {like} {this} stay")[1] == "Braces {like} {this} stay"
    with pytest.raises(ValueError, match="unknown fields: boundry"):
        render("boundary", fields={"boundry": "x"})


def test_a_field_is_one_line_and_cut_to_a_sensible_length(lang: str) -> None:
    body = render("boundary", "On {boundary}.", fields={"boundary": "two\nlines " + "y" * 200})[1]
    opening, closing = QUOTES[lang]
    inner = body.split(opening)[1].split(closing)[0]
    assert inner.startswith("two lines y")
    assert inner.endswith("…")
    assert len(inner) == catalog.MAX_FIELD
    empty = catalog.spoken().placeholders["boundary"].empty
    assert render("boundary", "On {boundary}.", fields={"boundary": "  "})[1] == f"On {empty}."
    if lang == "en":
        assert empty == "your boundary"


def test_the_counsel_words_name_help_and_always_close_with_the_safety_line(lang: str) -> None:
    line = kinds.safety_line()
    for needed in SAFETY_WORDS[lang]:
        assert needed in line
    counsel = PRACTICES["care_counsel"]
    for variant in counsel.variants:
        assert [word for word in COUNSEL_WORDS[lang] if word in variant], variant
        assert render("care_counsel", variant)[1].endswith("\n\n" + line)
    assert render("care_counsel", "My own words")[1] == "My own words\n\n" + line
    assert not render("care", seed="d_1")[1].endswith(line)


def test_the_words_are_read_once() -> None:
    assert catalog.shipped() is catalog.shipped()


# --- the user's own words ------------------------------------------------------------------


def test_an_override_rewords_a_kind_and_keeps_its_codes() -> None:
    merged = kinds.merge(
        "boundary",
        {
            "title": " Mine ",
            "variants": ["How is {boundary}?", "Still okay?"],
            "choices": {"crossed": "It got crossed"},
        },
    )
    assert merged.title == "Mine"
    assert merged.variants == ("How is {boundary}?", "Still okay?")
    assert merged.choices == (
        ("held", "Held"),
        ("strained", "Felt strained"),
        ("crossed", "It got crossed"),
    )
    assert (merged.note, merged.free_text) == (True, False)
    assert PRACTICES["boundary"].title != "Mine"  # the defaults are untouched


def test_overrides_reach_render_and_shape_through_the_catalogue() -> None:
    catalogue = kinds.with_overrides(
        {"gesture_log": {"variants": ["Anything nice today?"], "choices": {"none": "Nothing"}}}
    )
    assert set(catalogue) == set(CODES)
    assert catalogue["boundary"] is PRACTICES["boundary"]
    assert render("gesture_log", seed="d_7", catalogue=catalogue)[1] == "Anything nice today?"
    assert kinds.shape("gesture_log", catalogue=catalogue).choices == (("none", "Nothing"),)
    assert kinds.shape("gesture_log").choices == (("none", "None today"),)


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"variants": []}, "words.gesture_log.variants: must be a list of 1 or more texts"),
        ({"variants": "one"}, "words.gesture_log.variants: must be a list of 1 or more texts"),
        ({"variants": ["ok", 3]}, "words.gesture_log.variants: must be a list of 1 or more texts"),
        (
            {"variants": ["ok", " "]},
            "words.gesture_log.variants[1]: must be a text that is not empty",
        ),
        (
            {"variants": ["On {boundary}"]},
            "words.gesture_log.variants[0]: unknown placeholder {boundary} (gesture_log knows: none)",
        ),
        ({"title": ""}, "words.gesture_log.title: must be a text that is not empty"),
        ({"title": "t" * 101}, "words.gesture_log.title: must be at most 100 characters"),
        (
            {"choices": {"maybe": "Maybe"}},
            "words.gesture_log.choices.maybe: not a choice of gesture_log (its codes: none)",
        ),
        (
            {"choices": {"none": ""}},
            "words.gesture_log.choices.none: must be a text that is not empty",
        ),
        ({"choices": ["none"]}, 'words.gesture_log.choices: must be a table of code = "label"'),
        ({"scale": "How much?"}, "words.gesture_log.scale: gesture_log asks no scale question"),
        (
            {"free_text": False},
            "words.gesture_log.free_text: the reply shape is fixed (a nudge's choices and reply set it)",
        ),
        (
            {"titel": "x"},
            "words.gesture_log.titel: unknown key (one of: title, variants, choices, text_label, note_label, scale)",
        ),
        ("x", "words.gesture_log: must be a table"),
    ],
)
def test_a_bad_override_is_one_line_naming_its_key(override: object, problem: str) -> None:
    assert kinds.check_overrides({"gesture_log": override}) == [problem]
    with pytest.raises(kinds.WordsError) as raised:
        kinds.with_overrides({"gesture_log": override})
    assert raised.value.problems == [problem]
    assert "\n" not in problem


def test_every_problem_is_reported_at_once() -> None:
    problems = kinds.check_overrides(
        {
            "boundary": {"title": "", "choices": {"kept": "Kept"}},
            "care_counsel": {"safety": False},
            "nonsense": {},
            "reframe": {"text_label": "My draft", "variants": ["{topic}: how would you open?"]},
        }
    )
    assert problems == [
        "words.boundary.title: must be a text that is not empty",
        "words.boundary.choices.kept: not a choice of boundary (its codes: held, strained, crossed)",
        "words.care_counsel.safety: the safety line always stays",
        "words.nonsense: unknown kind (one of: " + ", ".join(kinds.kinds()) + ")",
    ]
    assert kinds.check_overrides([]) == ["words: must be a table of kinds"]


def test_a_clean_override_passes_and_merges() -> None:
    table = {"pattern_review": {"scale": "How hard did I push? (1–5)"}}
    assert kinds.check_overrides(table) == []
    assert kinds.with_overrides(table)["pattern_review"].scale == "How hard did I push? (1–5)"


# --- the README ----------------------------------------------------------------------------


def test_the_readme_says_it_is_not_professional_advice_and_points_to_safety() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    flat = " ".join(line.removeprefix(">").strip() for line in readme.splitlines())
    flat = " ".join(flat.split())
    assert "not professional advice" in flat
    assert kinds.safety_line() in flat


def test_the_readme_s_tagline_looks_at_what_comes_back_over_the_weeks() -> None:
    tagline = "Do your half, gently — and see, over the weeks, what comes back."
    assert f"*{tagline}*" in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert "meets you halfway" not in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_broken_words_file_is_refused_naming_the_key() -> None:
    raw = {
        "safety": "Help line.",
        "placeholders": {"topic": {"filled": "no value here", "empty": "x"}},
        "kinds": {
            "a": {"title": "A", "variants": ["One"], "choices": {"Not_Snake": "x", "later": "L"}},
            "b": {"title": "B", "variants": [], "colour": "red"},
        },
    }
    with pytest.raises(catalog.WordsError) as raised:
        catalog._parse(raw)
    assert raised.value.problems == [
        "words.toml: placeholders.topic: needs filled (with {value}) and empty",
        "words.toml: kinds.a.choices.Not_Snake: not a usable code (snake_case, not reserved)",
        "words.toml: kinds.a.choices.later: not a usable code (snake_case, not reserved)",
        "words.toml: kinds.b.colour: unknown key",
        "words.toml: kinds.b.variants: must be a list of 1 or more texts",
    ]
