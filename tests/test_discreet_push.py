"""Discreet pushes through a real ntfy-like HTTP server on loopback: the user's own title,
one neutral line and the link, and at most two buttons (open, later), none a choice.

Not discreet, the choices are buttons only when all of them fit ntfy's three: no honest
answer ("no movement") is ever the one left off the notification.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from halfway.core import kinds
from halfway.words import discretion

from .conftest import Clock, HttpReceiver, soon, wait_for
from .engine import deliveries, make_daemon, run_tick

BOUNDARY = (
    '[[boundaries]]\nid = "walk"\ntext = "I take my evening walk, whatever the mood"\n'
    '[[nudges]]\nid = "my-boundary"\nkind = "boundary"\ncron = "0 19 * * tue"\n'
)
REVIEW = '[[nudges]]\nid = "week"\nkind = "pattern_review"\ncron = "0 19 * * tue"\n'
TUESDAY = "2026-11-24T19:00:00+01:00"


def ntfy(receiver: HttpReceiver) -> str:
    return f"ntfy://127.0.0.1:{receiver.port}/halfway-k2v9x7q4"


def published(receiver: HttpReceiver) -> list[dict[str, Any]]:
    return receiver.bodies()


def words_of(*texts: str) -> set[str]:
    """The words a person would recognise, lower case, without punctuation."""
    return {w for text in texts for w in re.findall(r"[a-zà-ÿ’']{4,}", text.lower())}


def sent(tmp_path, receiver: HttpReceiver, body: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fire one nudge of `body` at Tuesday 19:00 to the ntfy server; (what ntfy got, the
    delivery as recorded)."""
    clock = Clock(TUESDAY)
    clock.advance(minutes=-1)
    daemon = make_daemon(tmp_path, body, clock, phone=ntfy(receiver))
    clock.set(TUESDAY)
    run_tick(daemon)
    [message] = published(receiver)
    [delivery] = deliveries(daemon)
    return message, delivery


def assert_nothing_of_the_nudge_shows(message: dict[str, Any], delivery: dict[str, Any]) -> None:
    labels = [label for _, label in kinds.shape(delivery["kind"]).choices]
    nudge = words_of(delivery["words"], delivery["words_title"], *labels)
    assert nudge, "the nudge has words of its own to hide"
    shown = " ".join(
        [message["title"], message["message"]] + [a["label"] for a in message["actions"]]
    )
    own = words_of(discretion.NUDGE, discretion.OPEN, discretion.LATER, message["title"])
    assert not (nudge - own) & words_of(shown), (nudge - own) & words_of(shown)


def test_a_discreet_push_has_the_title_one_plain_line_the_link_and_only_open_and_later(
    tmp_path, http_receiver
) -> None:
    message, delivery = sent(tmp_path, http_receiver, BOUNDARY)
    assert message["title"] == "Reminder"  # the default discreet_title
    assert message["message"] == f"{discretion.NUDGE}\n{delivery['link']}"
    assert "evening walk" in delivery["words"]  # the words exist, behind the link only
    assert_nothing_of_the_nudge_shows(message, delivery)
    actions = message["actions"]
    assert len(actions) <= 2
    assert [(a["action"], a["label"]) for a in actions] == [("view", "Open"), ("http", "Later")]
    assert actions[0]["url"] == delivery["link"] == message["click"]
    codes = {code for code, _ in kinds.shape("boundary").choices}
    for action in actions:
        posted = json.loads(action.get("body") or "{}").get("value")
        assert posted not in codes  # no button answers for the person
    assert json.loads(actions[1]["body"]) == {"value": "later", "via": "push"}


def test_a_discreet_push_carries_the_users_own_title(tmp_path, http_receiver) -> None:
    message, delivery = sent(tmp_path, http_receiver, 'discreet_title = "Groceries"\n' + REVIEW)
    assert message["title"] == "Groceries"
    assert message["message"].splitlines() == [discretion.NUDGE, delivery["link"]]
    assert_nothing_of_the_nudge_shows(message, delivery)
    assert [a["label"] for a in message["actions"]] == ["Open", "Later"]


def test_a_push_that_is_not_discreet_shows_all_choices_when_they_fit(
    tmp_path, http_receiver
) -> None:
    message, _ = sent(tmp_path, http_receiver, "discreet = false\n" + BOUNDARY)
    labels = [label for _, label in kinds.shape("boundary").choices]
    assert len(labels) <= 3
    assert [a["label"] for a in message["actions"]] == labels


def test_when_the_choices_do_not_fit_none_is_favoured_over_an_honest_no(
    tmp_path, http_receiver
) -> None:
    # The weekly review has four answers, "no movement" among them; ntfy shows three.
    message, _ = sent(tmp_path, http_receiver, "discreet = false\n" + REVIEW)
    choices = kinds.shape("pattern_review").choices
    assert len(choices) > 3
    assert [a["label"] for a in message["actions"]] == ["Open", "Later"]
    assert "Reply:" in message["message"]  # the page holds every answer


def test_tapping_later_on_a_discreet_push_is_recorded_by_the_running_daemon(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        f'[[nudges]]\nid = "calm"\nkind = "self_regulation"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"phone": ntfy(http_receiver)},
    )
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: http_receiver.posts())
    [message] = published(http_receiver)
    assert message["title"] == "Reminder"
    later = message["actions"][-1]
    request = urllib.request.Request(  # what the phone does when the button is tapped
        later["url"], later["body"].encode(), later["headers"], method=later["method"]
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
    exported = json.loads(halfway("export", "--config", str(written.path)).out)
    [reply] = exported["replies"]
    assert (reply["value"], reply["via"]) == ("later", "push")
    assert daemon.stop() == 0


LOCK_SCREEN = (
    discretion.TITLE,
    discretion.NUDGE,
    discretion.AGAIN,
    discretion.EASE,
    discretion.DIGEST,
    discretion.CHANNEL_DOWN,
    discretion.TEST,
    discretion.OPEN,
    discretion.LATER,
    discretion.CALENDAR_TALK,
    discretion.CALENDAR_REVIEW,
)
TELLING = ("halfway", "partner", "boundar", "talk", "gesture", "ask", "review", "relationship")


def test_every_line_a_lock_screen_or_calendar_shows_names_nothing_and_is_your_own() -> None:
    assert set(LOCK_SCREEN) <= set(discretion.lines())  # the voice test reads them all
    for line in LOCK_SCREEN:
        for word in TELLING:
            assert word not in line.lower(), (word, line)
    for line in (discretion.NUDGE, discretion.AGAIN, discretion.EASE, discretion.DIGEST):
        # clearly the person's own reminder, never a message from someone else
        assert re.search(r"\byourself\b|\byour own\b", line.lower()), line
        assert len(line) <= 90, line  # one line on a lock screen
