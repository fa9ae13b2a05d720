"""Replies through the real daemon's HTTP endpoints, ntfy's buttons and the CLI, all into one store."""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from halfway.core import kinds

from .conftest import soon, wait_for
from .engine import first_start
from .test_imap import dict_server  # noqa: F401 - a fixture


def request(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A real HTTP request; returns status, headers and body, whatever the status."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_json(url: str, payload: object) -> tuple[int, dict]:
    status, _, body = request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    return status, json.loads(body)


def export(halfway, path: Path) -> dict:
    return json.loads(halfway("export", "--config", str(path)).out)


@pytest.fixture
def running(config_file, http_receiver, start_daemon, halfway):
    """A daemon whose boundary nudge was just sent; yields (path, listen, link, daemon)."""
    written = config_file(
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: http_receiver.posts())
    link = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    yield path, listen, link, daemon
    daemon.stop()


def test_get_shows_the_page_and_records_nothing(running, halfway) -> None:
    path, _listen, link, _daemon = running
    status, headers, body = request(link)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    shown = html.unescape(page)
    boundary = kinds.PRACTICES["boundary"]
    assert boundary.title in shown
    # whichever variant the delivery picked
    assert any(kinds.render("boundary", text)[1] in shown for text in boundary.variants)
    for code in ("held", "strained", "crossed"):
        assert f'value="{code}"' in page
    assert export(halfway, path)["replies"] == []


def test_a_json_post_records_and_answers_200_then_a_change_keeps_the_history(
    running, halfway
) -> None:
    path, _listen, link, _daemon = running
    status, answer = post_json(link, {"value": "held"})
    assert status == 200
    assert answer == {
        "status": "recorded",
        "delivery_id": answer["delivery_id"],
        "value": "held",
        "label": "Held",
        "first": True,
        "repeat": False,
        "asks_again": None,  # only after "later"
    }
    status, answer = post_json(link, {"value": "held", "via": "push"})  # a button pressed twice
    assert (status, answer["first"], answer["repeat"]) == (200, False, True)
    status, answer = post_json(link, {"value": "strained", "note": "a long week"})
    assert status == 200
    assert (answer["first"], answer["repeat"]) == (False, False)
    [reply] = export(halfway, path)["replies"]
    assert (reply["value"], reply["note"], reply["via"]) == ("strained", "a long week", "web")
    assert [v["value"] for v in reply["history"]] == ["held"]  # once, not twice
    assert reply["received_at"].endswith("+01:00")


def test_later_says_when_the_check_in_comes_back_on_the_page_and_in_the_answer(
    running, halfway
) -> None:
    path, _listen, link, _daemon = running
    status, answer = post_json(link, {"value": "later", "via": "push"})  # ntfy's Later
    assert status == 200
    when = answer["asks_again"]  # an hour after the answer (the default snooze), in Berlin
    assert re.fullmatch(r"\w{3} \d{4}-\d\d-\d\d \d\d:\d\d CES?T", when), when
    _, _, body = request(f"{link}?saved=1")
    said = html.unescape(body.decode())
    assert f"Thank you. Noted: <strong>Later</strong>. This check-in comes back {when}." in said
    status, answer = post_json(link, {"value": "held"})
    assert answer["asks_again"] is None
    _, _, body = request(f"{link}?saved=1")
    assert "comes back" not in body.decode()
    [reply] = export(halfway, path)["replies"]
    assert (reply["value"], [v["value"] for v in reply["history"]]) == ("held", ["later"])


def test_a_value_the_nudge_does_not_take_is_422(running, halfway) -> None:
    path, _listen, link, _daemon = running
    status, answer = post_json(link, {"value": "sideways"})
    assert status == 422
    assert "'sideways' is not one of: held, strained, crossed, later" in answer["error"]
    assert export(halfway, path)["replies"] == []


def test_a_forged_or_unknown_token_is_403_for_get_and_post(running, halfway) -> None:
    path, listen, link, _daemon = running
    token = link.rsplit("/", 1)[1]
    forged = link[: -len(token)] + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    unknown = f"http://{listen}/r/d_000000000000.{token.split('.')[1]}"
    for url in (forged, unknown, f"http://{listen}/r/nonsense"):
        status, _, body = request(url)
        assert status == 403
        assert "not one halfway made" in body.decode()
        assert post_json(url, {"value": "held"})[0] == 403
    assert export(halfway, path)["replies"] == []


def test_a_body_over_16_kib_is_413(running, halfway) -> None:
    path, _listen, link, _daemon = running
    status, answer = post_json(link, {"value": "held", "note": "x" * 20_000})
    assert status == 413
    assert "too long" in answer["error"]
    form = ("value=held&note=" + "y" * 20_000).encode()
    status, _, _ = request(link, form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    assert export(halfway, path)["replies"] == []


def test_a_form_post_needs_the_pages_guard_and_then_redirects_303(running, halfway) -> None:
    path, _listen, link, _daemon = running
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = request(link, b"value=held", form_type)
    assert status == 403  # no guard: could be another site posting for the user
    assert "could not be checked" in body.decode()
    guard = re.search(r'name="guard" value="([^"]+)"', request(link)[2].decode()).group(1)
    status, _, _ = request(
        link, f"value=held&guard={guard}".encode(), {**form_type, "Sec-Fetch-Site": "cross-site"}
    )
    assert status == 403
    status, headers, _ = request(link, f"value=crossed&note=oh&guard={guard}".encode(), form_type)
    assert status == 303
    assert headers["Location"].endswith("?saved=1")
    page = request(link + "?saved=1")[2].decode()
    assert "Noted: <strong>Did not hold this time</strong>" in page
    [reply] = export(halfway, path)["replies"]
    assert (reply["value"], reply["note"], reply["via"]) == ("crossed", "oh", "web")


def test_an_expired_link_is_410(config_file, http_receiver, start_daemon, halfway) -> None:
    path = config_file(
        f'[[nudges]]\nid = "quick"\nkind = "boundary"\nat = "{soon()}"\nreply_window = "2s"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    ).path
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: http_receiver.posts())
    link = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    wait_for(lambda: request(link)[0] == 410)  # the 2 s reply window closed (a GET records nothing)
    assert post_json(link, {"value": "held"})[0] == 410
    status, _, body = request(link)
    assert status == 410
    assert "has closed" in body.decode()
    assert "Nothing more is needed from you." in body.decode()  # no promise of more
    assert "come along soon" not in body.decode()
    assert daemon.stop() == 0


def test_ntfy_gets_buttons_whose_replayed_request_records_a_push_reply(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    # Not discreet: choice buttons on the notification (discreet shows none; see
    # tests/test_discreet_push.py).
    written = config_file(
        f'discreet = false\n[[nudges]]\nid = "talk-prep"\nkind = "self_regulation"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"phone": f"ntfy://127.0.0.1:{http_receiver.port}/halfway-7f3a"},
    )
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: http_receiver.posts())
    [sent] = http_receiver.posts()
    assert sent["path"] == "/"
    published = json.loads(sent["body"])
    assert published["topic"] == "halfway-7f3a"
    assert published["click"].startswith(f"http://{listen}/r/d_")
    assert [a["label"] for a in published["actions"]] == ["I'm ready", "I need more time"]
    action = published["actions"][1]
    assert (action["action"], action["method"], action["url"]) == (
        "http",
        "POST",
        published["click"],
    )

    # What the phone does when the button is tapped: replay the action exactly.
    status, _, body = request(
        action["url"], action["body"].encode(), action["headers"], action["method"]
    )
    assert status == 200, body
    [reply] = export(halfway, path)["replies"]
    assert (reply["value"], reply["via"]) == ("need_more_time", "push")
    assert daemon.stop() == 0


def test_ntfy_url_options_reach_the_json_publish(http_receiver) -> None:
    from halfway.channels import sending

    url = (
        f"ntfy://127.0.0.1:{http_receiver.port}/halfway-7f3a?priority=high&tags=heart,tea&delay=10m"
    )
    push = sending.Push(click="http://127.0.0.1/r/x", action_url="http://127.0.0.1/r/x")
    results = sending.send({"phone": [url]}, "A title", "Some words", 5, push)
    assert results["phone"].ok, results
    [published] = http_receiver.bodies()
    assert (published["topic"], published["priority"]) == ("halfway-7f3a", 4)
    assert (published["tags"], published["delay"]) == (["heart", "tea"], "10m")


def test_ntfy_tags_are_read_through_apprise_s_own_url_parser() -> None:
    """Both of apprise's spellings (`tags=`, `xtags=`), and none when the URL has none."""
    from halfway.channels import ntfy, sending

    for url in ("ntfy://ntfy.example/t?tags=heart,tea", "ntfys://ntfy.example/t?xtags=heart%2Ctea"):
        assert ntfy.ntfy_options(sending.instantiate(url))["tags"] == ["heart", "tea"], url
    assert "tags" not in ntfy.ntfy_options(sending.instantiate("ntfy://ntfy.example/t"))


def test_cli_reply_records_and_a_bad_value_is_exit_2(config_file, http_receiver, halfway) -> None:
    written = config_file(
        'discreet = false\n[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n',
        timezone=None,
        channels={"push": http_receiver.json_url()},
    )
    path = written.path
    first_start(written.data_dir)
    assert halfway("send", "evening", "--config", str(path)).code == 0
    delivery_id = export(halfway, path)["deliveries"][0]["id"]
    history = halfway("history", "--config", str(path)).out
    assert f"waiting for your answer: halfway reply {delivery_id}" in history
    ran = halfway("reply", delivery_id, "made me tea without asking", "--config", str(path))
    assert ran.code == 0, ran.err
    assert ran.out.strip() == "noted: made me tea without asking"
    again = halfway("reply", delivery_id, "made me tea without asking", "--config", str(path))
    assert again.out.strip() == "already noted: made me tea without asking"
    later = halfway("reply", delivery_id, "later", "--config", str(path)).out.strip()
    assert re.fullmatch(r"noted: Later \(.*\); it comes back \w{3} \d{4}-.* \w+", later), later
    assert "waiting for your answer" not in halfway("history", "--config", str(path)).out
    assert halfway("reply", delivery_id, "   ", "--config", str(path)).code == 2
    missing = halfway("reply", "d_nope", "none", "--config", str(path))
    assert missing.code == 2
    assert "no delivery 'd_nope'" in missing.err
    [reply] = export(halfway, path)["replies"]
    assert (reply["value"], reply["via"]) == ("later", "cli")
    assert reply["history"][-1]["value"] == "made me tea without asking"


def test_an_email_reply_reaches_the_store_through_imap(
    config_file,
    smtp_receiver,
    start_daemon,
    halfway,
    dict_server,  # noqa: F811 - the pymap fixture imported above
) -> None:
    import email
    import email.header
    import email.policy

    from .test_imap import append, flags, mail

    written = config_file(
        f'[imap]\nhost = "{dict_server.host}"\nport = {dict_server.port}\n'
        f'user = "{dict_server.user}"\npassword = "{dict_server.password}"\n'
        'tls = "none"\npoll = "1s"\n'
        f'[[nudges]]\nid = "b"\nkind = "boundary"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"mail": smtp_receiver.url()},
    )
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: smtp_receiver.messages)
    sent = email.message_from_bytes(smtp_receiver.messages[0].content, policy=email.policy.default)
    body = sent.get_body(("plain",)).get_content()
    quoted = "".join(f"> {line}\n" for line in body.splitlines())
    append(
        dict_server,
        mail(
            f"strained\nA long week, but I kept my walk.\n\nOn Wed, 25 Nov 2026, halfway wrote:\n{quoted}",
            subject="Re: " + email.header.Header(str(sent["Subject"]), "utf-8").encode(),
            headers=f"In-Reply-To: {sent['Message-ID']}\r\n",
        ),
    )
    wait_for(lambda: export(halfway, path)["replies"])
    [reply] = export(halfway, path)["replies"]
    assert (reply["value"], reply["note"], reply["via"]) == (
        "strained",
        "A long week, but I kept my walk.",
        "email",
    )
    assert "\\Seen" in flags(dict_server)[0]
    # More polls: the same mail is never counted twice. The poll that took it may still
    # be finishing, so two more than now: the later one begun after it.
    polls = wait_for(lambda: daemon.health(listen))["mail_polls"]
    wait_for(lambda: (health := daemon.health(listen)) and health["mail_polls"] >= polls + 2)
    assert len(export(halfway, path)["replies"][0]["history"]) == 0
    assert dict_server.password not in daemon.stderr()
    assert daemon.stop() == 0
