"""`halfway test-channel NAME`: a marked test message through one channel, and nothing recorded."""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from pathlib import Path

from .conftest import ConfigFile

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under `folder`: its bytes, mode and modification time."""
    return {
        str(path.relative_to(folder)): (
            path.read_bytes(),
            path.stat().st_mode,
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def data_dir(written: ConfigFile) -> Path:
    assert written.data_dir is not None
    return written.data_dir


def test_a_test_message_goes_out_marked_and_nothing_is_recorded(
    halfway, config_file, smtp_receiver
) -> None:
    written = config_file(EVENING, server=True, channels={"mail": smtp_receiver.url()})
    ran = halfway("test-channel", "mail", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert ran.out.startswith("mail: test message sent (mailto://")
    [message] = smtp_receiver.messages
    mail = message_from_bytes(message.content, policy=email.policy.default)
    assert mail["Subject"] == "Reminder"  # discreet by default: no app's name
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("A test of your reminders — if this reached you, your 'mail' channel")
    assert mail.get_body(("html",)) is not None  # an e-mail like any other
    assert not data_dir(written).exists()  # not even the data folder is made


def test_a_test_message_changes_nothing_in_an_existing_data_folder(
    halfway, config_file, http_receiver
) -> None:
    written = config_file(EVENING, server=True, channels={"push": http_receiver.json_url()})
    path = str(written.path)
    assert halfway("log", "note", "a first record", "--config", path).code == 0
    before = snapshot(data_dir(written))
    assert before  # the hot file, at least
    ran = halfway("test-channel", "push", "--config", path)
    assert ran.code == 0, ran.err
    [posted] = http_receiver.bodies()
    assert posted["title"] == "Reminder"
    assert posted["message"].startswith("A test of your reminders — ")
    assert snapshot(data_dir(written)) == before
    assert "nothing yet" in halfway("status", "--config", path).out  # no delivery recorded


def test_a_failed_test_message_says_why_with_exit_1_and_no_secret(
    halfway, config_file, smtp_receiver
) -> None:
    # The loopback server offers no AUTH, and the URL carries a user and password.
    password = "s3cretPassw0rd"
    url = smtp_receiver.url().replace("mailto://", f"mailto://halfway:{password}@")
    written = config_file(EVENING, server=True, channels={"mail": url})
    ran = halfway("test-channel", "mail", "--config", str(written.path))
    assert ran.code == 1
    assert "mail: the test message did not go out" in ran.out
    assert "SMTP AUTH extension not supported by server" in ran.out
    assert password not in ran.out + ran.err
    assert "Traceback" not in ran.out + ran.err
    assert smtp_receiver.messages == []
    assert not data_dir(written).exists()


def test_an_unknown_channel_is_one_line_naming_the_argument_and_exit_2(
    halfway, config_file, smtp_receiver
) -> None:
    written = config_file(EVENING, channels={"mail": smtp_receiver.url()})
    ran = halfway("test-channel", "phone", "--config", str(written.path))
    assert ran.code == 2
    assert ran.err.splitlines() == [
        f"halfway test-channel: NAME: no channel 'phone' in {written.path} (known: mail)"
    ]
    assert ran.out == ""
    assert smtp_receiver.messages == []
    assert not data_dir(written).exists()


def test_test_channel_has_help(halfway) -> None:
    assert "\n    test-channel" in halfway("--help").out
    ran = halfway("test-channel", "--help")
    assert ran.code == 0
    assert "NAME" in ran.out
    assert "halfway test message" in ran.out
    assert "Nothing is recorded, and the data folder is not touched." in " ".join(ran.out.split())
    assert halfway("test-channel").code == 2  # NAME is required


def test_a_refused_test_message_names_the_reason_but_never_the_ntfy_topic(
    halfway, config_file, http_receiver
) -> None:
    # On a public ntfy server the topic is the secret; apprise's own reason names it.
    topic = "halfway-7f3a9c-private"
    http_receiver.status = 403
    url = f"ntfy://127.0.0.1:{http_receiver.port}/{topic}"
    written = config_file(EVENING, channels={"phone": url})
    ran = halfway("--debug", "test-channel", "phone", "--config", str(written.path))
    assert ran.code == 1
    assert "ntfy answered 403" in ran.out
    assert topic not in ran.out + ran.err
    assert len(http_receiver.posts()) == 1  # it did reach the server


def test_an_ntfy_test_message_takes_the_path_every_nudge_takes(
    halfway, config_file, http_receiver
) -> None:
    """ntfy nudges are published in ntfy's JSON form (not through apprise's plugin): a
    test that passes must prove that path works."""
    url = f"ntfy://127.0.0.1:{http_receiver.port}/halfway-k2v9x7q4m1z8w3p6?priority=high"
    written = config_file(EVENING, channels={"phone": url})
    ran = halfway("test-channel", "phone", "--config", str(written.path))
    assert ran.code == 0, ran.out
    [published] = http_receiver.bodies()
    assert published["topic"] == "halfway-k2v9x7q4m1z8w3p6"
    assert published["title"] == "Reminder"
    assert published["priority"] == 4  # the URL's options, as a nudge would carry them
    assert "click" not in published  # nothing to tap: there is no reply page for a test


def test_a_test_message_names_halfway_only_when_not_discreet(
    halfway, config_file, http_receiver
) -> None:
    written = config_file(
        "discreet = false\n" + EVENING, channels={"push": http_receiver.json_url()}
    )
    assert halfway("test-channel", "push", "--config", str(written.path)).code == 0
    written = config_file(
        'discreet_title = "Errand"\n' + EVENING, channels={"push": http_receiver.json_url()}
    )
    assert halfway("test-channel", "push", "--config", str(written.path)).code == 0
    plain, discreet = http_receiver.bodies()
    assert plain["title"] == "halfway test message"
    assert plain["message"].startswith("halfway test message — ")
    assert discreet["title"] == "Errand"
    assert "halfway" not in discreet["message"].lower()
