"""Log lines never carry a secret, whichever command wrote them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from halfway.channels import logs, sending


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        ("mailto://me:hunter2secret@smtp.example.net?to=me@example.net", {"hunter2secret"}),
        ("json://user:topsecret@", {"topsecret"}),
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654",
            {"AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"},
        ),
        ("ntfys://ntfy.example.net/topic?auth=token&token=tk_abcdef123", {"tk_abcdef123", "topic"}),
        ("gotify://host/path?apikey=K3y%2Fwith%2Fslash", {"K3y%2Fwith%2Fslash", "K3y/with/slash"}),
        (
            "pover://host?user=me&password=pw123456&client_secret=s3cr3tvalue",
            {"pw123456", "s3cr3tvalue"},
        ),
        ("ntfy://ntfy.example.net/halfway-7f3a", {"halfway-7f3a"}),
        ("json://user:abc@host", set()),  # too short to hide without blanking words
        ("json://host:notaport]/x", set()),
    ],
)
def test_the_obvious_secrets_of_a_url_are_found_without_apprise(
    url: str, secrets: set[str]
) -> None:
    assert logs.url_secrets(url) == secrets


def test_apprise_finds_at_least_what_the_plain_reading_finds() -> None:
    for url in (
        "mailto://me:hunter2secret@smtp.example.net?to=me@example.net",
        "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654",
        "ntfy://ntfy.sh/halfway-7f3a9",
    ):
        assert logs.url_secrets(url) <= sending.secrets_in(url)


def test_ordinary_words_in_a_channel_url_are_no_secret() -> None:
    # Once every query value of 4+ characters counted as a secret, and log lines
    # read "INFO **** 0.1.0 running" and ".config/****/config.toml".
    url = "mailto://127.0.0.1:2525?to=me@example.net&from=halfway@example.net"
    assert sending.secrets_in(url) == set()
    assert sending.secrets_in("mailto://me:hunter2secret@smtp.example.net?to=me@example.net") == {
        "hunter2secret"
    }


def test_an_e_mail_channel_is_shown_as_its_server_and_where_the_mail_goes() -> None:
    url = "mailto://me:pw-secret@127.0.0.1:2525/me%40home.lan?from=halfway@home.lan"
    assert sending.mask(url) == "mailto://me:****@127.0.0.1:2525 → me@home.lan"
    two = "mailto://127.0.0.1:2525?to=me@home.lan,Sam%20%3Csam@home.lan%3E&from=h@home.lan"
    assert sending.mask(two) == "mailto://127.0.0.1:2525 → me@home.lan, Sam <sam@home.lan>"
    assert (
        sending.mask("mailtos://me:pw-secret@gmail.com")
        == "mailtos://me:****@gmail.com → me@gmail.com"
    )


def test_an_ntfy_topic_is_masked_when_shown_and_kept_out_of_logs() -> None:
    url = "ntfy://ntfy.sh/halfway-7f3a9"
    assert sending.mask(url) == "ntfy://ntfy.sh/ha…"
    assert sending.secrets_in(url) == {"halfway-7f3a9"}


class Kept(logging.Handler):
    """A handler that keeps each line it was given to write, as written."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def handler() -> Iterator[Kept]:
    kept = Kept()
    root = logging.getLogger()
    root.addHandler(kept)
    yield kept
    root.removeHandler(kept)


def test_every_log_line_has_its_secrets_blanked(handler: Kept) -> None:
    logs.install_redactor(
        ["mailto://me:hunter2secret@smtp.example.net?to=me@example.net"], ["imap-pass-99"]
    )
    logging.getLogger("halfway.test").warning(
        "could not send to %s with %s", "mailto://me:hunter2secret@smtp", "imap-pass-99"
    )
    assert handler.lines == ["could not send to mailto://me:****@smtp with ****"]


def test_a_reload_replaces_the_secrets_instead_of_piling_them_up(
    handler: Kept,
) -> None:
    logs.install_redactor([], ["old-password"])
    logs.install_redactor([], ["new-password"])
    assert len([f for f in handler.filters if isinstance(f, logs.Redactor)]) == 1
    logging.getLogger("halfway.test").warning("old-password new-password")
    assert handler.lines == ["old-password ****"]


def test_the_secrets_finder_is_the_callers_choice(handler: Kept) -> None:
    logs.install_redactor(["x://anything"], secrets_in=lambda url: {"found-by-caller"})
    logging.getLogger("halfway.test").warning("found-by-caller")
    assert handler.lines == ["****"]


def test_a_traceback_and_stack_info_have_their_secrets_blanked_too(handler: Kept) -> None:
    """`log.exception` (as `Daemon.failed` logs) prints the exception's own words: a
    channel URL in them has its password blanked there too, not printed verbatim."""
    url = "mailto://me:hunter2secret@smtp.example.net?to=me@example.net"
    logs.install_redactor([url])
    log = logging.getLogger("halfway.test")
    try:
        raise ValueError(f"could not reach {url}")
    except ValueError:
        log.exception("send_due failed")
    log.warning("where %s was", "hunter2secret", stack_info=True)
    written = "\n".join(handler.lines)
    assert "hunter2secret" not in written
    assert "ValueError: could not reach mailto://me:****@smtp.example.net" in written
    assert "Stack (most recent call last)" in written


def test_a_failed_pass_logged_by_the_daemon_keeps_the_channel_password_out(
    handler: Kept, tmp_path
) -> None:
    from halfway.channels import sending
    from halfway.cli import invocation

    from .conftest import Clock
    from .engine import make_daemon

    url = "mailto://me:Hunter2.secret@smtp.example.net?to=me@example.net"
    daemon = make_daemon(tmp_path, "", Clock("2026-11-25T19:59:00+01:00"), mail=url)
    invocation.install_redactor(daemon.settings, sending.secrets_in)

    def send_due() -> None:
        raise ConnectionError(f"could not reach {url}")

    try:
        send_due()
    except ConnectionError:
        daemon.failed("sending failed", send_due)
    written = "\n".join(handler.lines)
    assert "send_due failed" in written
    assert "ConnectionError: could not reach mailto://me:****@" in written
    assert "Hunter2.secret" not in written
