"""Sending through apprise: the only module that imports it, and only when first needed.

Apprise with its plugins costs about 20 MB and a tenth of a second to load; a
daemon whose next nudge is hours away, or a CLI command that sends nothing,
should not pay that up front. `send()` takes the channels of one delivery, sends to all of them in one
apprise call bounded by a timeout, and returns a result per channel, a
failure with apprise's most specific reason. E-mail gets an HTML part made
from the message (`mailbody.mail_html`) and a text part that keeps its lines; an
ntfy URL with a tap target goes out in ntfy's own JSON form (`ntfy`). It also registers `halfway://`, the demo channel that needs no account: it
prints each nudge to the terminal and keeps a local inbox file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol, TypeAlias
from urllib.parse import quote, unquote

from halfway.channels import failure as sendfailure
from halfway.channels import mailbody, ntfy
from halfway.channels.ntfy import NTFY_ACTIONS as NTFY_ACTIONS  # as sending.X to its callers
from halfway.channels.ntfy import Push as Push
from halfway.words.language import _

if TYPE_CHECKING:
    from apprise import Apprise, AppriseResult

log = logging.getLogger("halfway.sending")


class Plugin(Protocol):
    """Apprise's plugin object for one URL (its NotifyBase): what is read of every one."""

    def url(self, privacy: bool = False) -> str: ...


Call: TypeAlias = "tuple[Apprise, str, str | None]"  # one apprise call: (hub, body, format)


@dataclass(frozen=True)
class ChannelResult:
    ok: bool
    error: str | None = None


def instantiate(url: str) -> Plugin | None:
    """Apprise's plugin object for `url`, or None if apprise does not accept it."""
    return _apprise().instantiate(url, suppress_exceptions=True)


def url_problem(url: str) -> str | None:
    """Why apprise would refuse `url` (without repeating the URL), or None."""
    if instantiate(url) is not None:
        return None
    scheme = url.partition("://")[0] if "://" in url else ""
    if not scheme:
        return _("is not a URL (expected something like 'ntfy://ntfy.sh/my-topic')")
    if scheme.lower() in ("http", "https"):
        s = "s" if scheme.lower() == "https" else ""  # the same over TLS
        return _(
            "'{scheme}://' is a web address, not a channel: for an ntfy server write"
            " ntfy{s}://host/topic, for a web hook that takes JSON json{s}://host/path"
        ).format(scheme=scheme, s=s)
    if not _known(scheme):
        return _("'{scheme}://' is not a service apprise knows").format(scheme=scheme)
    # An e-mail URL refused for want of a sender only (an SMTP server named by its address)
    sender = ("&" if "?" in url else "?") + "from=halfway@example.org"
    if scheme.lower() in ("mailto", "mailtos") and "from=" not in url and instantiate(url + sender):
        return _(
            "is not a valid '{scheme}://' URL: it has no sender address apprise can use;"
            " add from= (e.g. ?to=me@home.lan&from=halfway@home.lan)"
        ).format(scheme=scheme)
    return _("is not a valid '{scheme}://' URL for apprise (check its parts)").format(scheme=scheme)


def _known(scheme: str) -> bool:
    schemas = {
        s.lower()
        for plugin in _apprise()().details(show_disabled=True)["schemas"]
        for key in ("protocols", "secure_protocols")
        for s in (plugin.get(key) or [])
    }
    return scheme.lower() in schemas or scheme.lower() == "halfway"


def _ntfy_topics(plugin: Plugin) -> set[str]:
    """An ntfy URL's topics: on a public ntfy server the topic is the only secret."""
    if not ntfy.is_ntfy(plugin):
        return set()
    return {str(topic) for topic in plugin.topics or ()}


def mask(url: str) -> str:
    """`url` with passwords, tokens and ntfy topics hidden, for printing and logs."""
    if url.startswith("halfway://"):
        return url  # the demo channel holds no secret
    plugin = instantiate(url)
    if plugin is None:
        return url.partition("://")[0] + "://…"
    masked = plugin.url(privacy=True).split("?", 1)[0]
    for topic in _ntfy_topics(plugin):
        masked = masked.replace(topic, topic[:2] + "…")
    return _mail_to(plugin, masked)


def _mail_to(plugin: Plugin, masked: str) -> str:
    """An e-mail channel as a person reads it: its server, then where the mail goes
    ('mailto://127.0.0.1:2525 → me@home.lan', not '…/me%40home.lan'); others as they are."""
    targets = getattr(plugin, "targets", None)
    if type(plugin).__name__ != "NotifyEmail" or not isinstance(targets, list):
        return masked
    scheme, _, rest = masked.partition("://")
    to = [f"{name} <{address}>" if name else str(address) for name, address in targets]
    return f"{scheme}://{rest.split('/', 1)[0]}" + (f" → {', '.join(to)}" if to else "")


def secrets_in(url: str) -> set[str]:
    """The parts of `url` that apprise's private form hides (passwords, tokens, keys),
    and ntfy topics. Everything apprise shows, query included, is no secret: a
    host name, `from=halfway@…` or `to=me@…` must not be blanked out of log lines."""
    if url.startswith("halfway://"):
        return set()
    plugin = instantiate(url)
    if plugin is None:
        return set()
    shown = set(re.split(r"[/:@?&=#]+", unquote(plugin.url(privacy=True))))
    hidden = {
        part
        for part in re.split(r"[/:@?&=#]+", unquote(url))
        if len(part) >= 4 and part not in shown and "." not in part
    }
    return hidden | {topic for topic in _ntfy_topics(plugin) if len(topic) >= 4}


def send(
    channels: dict[str, list[str]],
    title: str,
    body: str,
    timeout: float,
    push: Push | None = None,
    html: str | None = None,
    text: str | None = None,
) -> dict[str, ChannelResult]:
    """Send one message to every channel, all bounded by `timeout`; a result per channel.

    ntfy URLs are published as ntfy's own JSON (with the tap target and reply
    buttons) when `push` is given; e-mail gets an HTML part of its own (see
    `mail_html`), or `html` when given (the weekly digest's own, with `text` as its
    own text part); everything else goes through apprise as plain text. A failed
    channel's error is apprise's most specific reason, with no secret in it.
    """
    hub = _apprise()
    plain, mail = hub(), hub()
    results: dict[str, ChannelResult] = {}
    direct: dict[str, list[ntfy.Ntfy]] = {}
    for name, urls in channels.items():
        for url in urls:
            plugin = instantiate(url)
            into = mail if type(plugin).__name__ in MAIL_PLUGINS else plain
            if push is not None and ntfy.is_ntfy(plugin):
                direct.setdefault(name, []).append(plugin)
            elif plugin is None or not into.add(url, tag=name):
                results[name] = ChannelResult(False, "apprise did not accept this channel's URL")
    calls: list[Call] = [(plain, body, None)] if len(plain) else []
    own = ""
    if len(mail):
        own = html or mailbody.mail_html(title, body, push.click if push else None)
        calls.append((mail, own, "html"))
        if html and text:
            _own_text(own, text)
    errors: dict[str, list[str]] = {}
    try:
        outcomes = _notify_all(calls, title, timeout)
    finally:
        _OWN_TEXT.pop(own, None)
    for outcome in outcomes:
        for service in outcome:
            if not bool(service):
                reason = sendfailure.reason(service.logs()) or (
                    "timed out" if "TIMEOUT" in str(service.status) else "failed"
                )
                # Each URL was added with its channel's name as its only tag.
                errors.setdefault(next(iter(service.tag)), []).append(reason)
    for name, plugins in direct.items():
        for plugin in plugins:
            problem = ntfy.publish_ntfy(plugin, title, body, push, timeout)  # type: ignore[arg-type]
            if problem:
                errors.setdefault(name, []).append(problem)
    for name in channels:
        if name not in results:
            failure = errors.get(name)
            error = redact(" | ".join(failure), channels[name]) if failure else None
            results[name] = ChannelResult(not failure, error)
    return results


_OWN_TEXT: dict[str, str] = {}  # an e-mail's own text part (the digest's), by its HTML


def _own_text(html: str, text: str) -> None:
    """Have apprise's e-mail service (mailto://) use `text` as the text part of the
    message whose HTML is `html`; any other conversion stays apprise's own.

    Apprise has no door for this: NotifyEmail always makes an HTML message's text part
    with `convert_between(HTML, TEXT, body)` (`prepare_emails`, apprise 2.3); neither
    `body_format`, an attachment, `AppriseAsset` nor the URL's options change that, and
    no upstream issue asks for it (none found in caronc/apprise's). So this wraps that
    one name of the e-mail module, once per process, answering only for an HTML
    registered here for one `send`. Pinned by tests/test_digest_mail_text.py;
    pyproject.toml bounds apprise to the version tested."""
    import importlib

    module = importlib.import_module("apprise.plugins.email.base")
    original = module.convert_between
    if not getattr(original, "halfway_own_text", False):

        def convert(from_format: str, to_format: str, content: str) -> str:
            own = _OWN_TEXT.get(content) if isinstance(content, str) else None
            return own if own is not None else original(from_format, to_format, content)

        convert.halfway_own_text = True  # type: ignore[attr-defined]
        module.convert_between = convert  # type: ignore[attr-defined]  # ModuleType declares no attributes
    _OWN_TEXT[html] = text


def _notify_all(calls: list[Call], title: str, timeout: float) -> list[AppriseResult]:
    """Each (hub, body, body_format) as one apprise call, side by side, each within `timeout`.

    Apprise keeps every service's own log lines with its result; at DEBUG they hold
    the exception behind a failure, not only apprise's summary of it.
    """

    def notify(call: Call) -> AppriseResult:
        hub, body, body_format = call
        return hub.notify(
            body=body,
            title=title,
            body_format=body_format,
            timeout=timeout,
            log_level=logging.DEBUG,
        )

    if len(calls) < 2:
        return [notify(call) for call in calls]
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(notify, calls))


def redact(text: str, urls: list[str]) -> str:
    """`text` with every secret of `urls` (see `secrets_in`, and each password) hidden."""
    secrets: set[str] = set()
    for url in urls:
        secrets |= secrets_in(url)
        plugin = instantiate(url)
        password = getattr(plugin, "password", None)
        if isinstance(password, str) and len(password) >= 4:
            secrets |= {password, quote(password, safe="")}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text


# Apprise's e-mail services: they take the HTML part halfway writes (apprise makes the
# text part from it, except the digest's, which carries its own). Every other service
# gets the plain text, as it is.
MAIL_PLUGINS = frozenset(
    {
        "NotifyEmail",  # mailto:// and mailtos://
        "NotifyBrevo",
        "NotifyMailerSend",
        "NotifyMailgun",
        "NotifyOffice365",
        "NotifyPostmark",
        "NotifyResend",
        "NotifySendGrid",
        "NotifySendPulse",
        "NotifySES",
        "NotifySMTP2Go",
        "NotifySparkPost",
    }
)


@cache
def _apprise() -> type[Apprise]:
    """Apprise's hub class, its module loaded on first use, with the demo channel registered."""
    import apprise
    from apprise.decorators import notify

    notify(on="halfway", name="halfway demo terminal")(_demo_channel)  # type: ignore[no-untyped-call]
    # Apprise logs why a send failed (the server's words, the exception) at DEBUG, after a
    # vaguer WARNING; `send` captures each service's lines at DEBUG to keep that reason.
    # They reach no handler of halfway's own: `logs.setup_logging` leaves apprise out.
    logging.getLogger("apprise").setLevel(logging.DEBUG)
    return apprise.Apprise


def _demo_channel(body: str, title: str, notify_type: str, *args: object, **kwargs: object) -> bool:
    """halfway://terminal[?inbox=/path/inbox.jsonl]: print the nudge; keep it in an inbox."""
    meta = kwargs.get("meta")  # apprise's parsed URL, a dict
    inbox = meta.get("qsd", {}).get("inbox") if isinstance(meta, dict) else None
    stamp = datetime.now(UTC).astimezone().strftime("%H:%M:%S")
    lines = "\n".join(f"  │ {line}" for line in body.splitlines())
    print(f"\n  ┌─ {stamp} · {title}\n{lines}\n  └─", file=sys.stdout, flush=True)
    if inbox:
        line = json.dumps({"at": stamp, "title": title, "body": body}, ensure_ascii=False)
        descriptor = os.open(inbox, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(descriptor, 0o600)  # what you were nudged about is for you alone
        with os.fdopen(descriptor, "a", encoding="utf-8") as out:
            out.write(line + "\n")
    return True
