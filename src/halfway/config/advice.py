"""What `halfway check` adds to a config that loads: the settings that are valid but
cannot work on this machine (`unusable`, errors), and what it still gets wrong
(`advice`, warnings): example addresses left in, a guessable ntfy topic, reply links a
phone cannot open, no channels or no nudges, a one-off nudge whose time has passed, a
discreet_title that names halfway, and HALFWAY_* variables that set nothing."""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from halfway.config.errors import blame, setting_path
from halfway.config.models import Settings
from halfway.words.language import _


def unusable(settings: Settings, source: str) -> list[str]:
    """Settings that are valid but cannot work on this machine, one error line each:
    a data folder this user cannot write. It only looks; nothing is created."""
    problem = _data_dir_problem(settings.data_dir)
    if problem is None:
        return []
    if "data_dir" not in settings.model_fields_set:
        problem += _(" (the default; set data_dir to choose another folder)")
    return [blame(f"data_dir: {problem}", source, os.environ)]


def advice(settings: Settings, source: str, now: datetime) -> list[str]:
    """What `check` warns about in a valid config, one 'warning: …' line each: example
    addresses left in, reply links a phone cannot open, no channels or no nudges, a
    one-off nudge whose time has passed, a discreet_title that names halfway, and
    HALFWAY_* variables that set nothing."""
    lines = _placeholders(settings) + _links(settings) + _nothing(settings) + _past(settings, now)
    lines += _telling(settings)
    found = [blame(line, source, os.environ) for line in lines]
    unknown = _("{name}: not a setting halfway knows, so it changes nothing (check the spelling)")
    found += [
        unknown.format(name=name)
        for name in sorted(os.environ)
        if setting_path(name) and setting_path(name)[0] not in Settings.model_fields
    ]
    return [_("warning: {problem}").format(problem=line) for line in found]


_EXAMPLE_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def example_domains(text: str) -> list[str]:
    """The example domains in a URL (example.com, .net, .org and *.example.*), which
    reach no one: they are reserved for documentation."""
    found: list[str] = []
    for domain in _DOMAIN.findall(text.lower()):
        labels = domain.split(".")
        if (domain in _EXAMPLE_DOMAINS or "example" in labels[1:]) and domain not in found:
            found.append(domain)
    return found


def _placeholders(settings: Settings) -> list[str]:
    places = [
        (f"channels.{name}", urls, _("nothing sent there reaches you"))
        for name, urls in settings.channels.items()
    ]
    places.append(
        ("server.public_url", [settings.server.public_url], _("reply links lead nowhere"))
    )
    if settings.heartbeat_url:
        places.append(("heartbeat_url", [settings.heartbeat_url], _("no one hears its pings")))
    if settings.imap:
        places.append(("imap.host", [settings.imap.host], _("no replies arrive there")))
    lines = []
    for key, texts, result in places:
        domains = [d for text in texts for d in example_domains(text)]
        if domains:
            said = (
                _("{domains} is an example address, so {result}")
                if len(domains) == 1
                else _("{domains} are example addresses, so {result}")
            )
            shown = _(" and ").join(domains)
            lines.append(f"{key}: " + said.format(domains=shown, result=result))
    for name, urls in settings.channels.items():
        if any(guessable_ntfy_topic(url) for url in urls):
            said = _(
                "its ntfy topic on a public server is short or a placeholder;"
                " anyone who guesses it reads your nudges, so use a long random one"
                " (e.g. halfway- and 16 letters or digits)"
            )
            lines.append(f"channels.{name}: {said}")
    return lines


PLACEHOLDER_TOPICS = frozenset({"your-secret-topic", "my-topic", "mytopic", "topic", "halfway"})
PRIVATE_TOPIC = 16  # a topic this long or longer, random, is not guessed


def guessable_ntfy_topic(url: str) -> bool:
    """An ntfy URL whose topic, on a public server (ntfy.sh), a stranger could guess."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("ntfy", "ntfys") or (parts.hostname or "") != "ntfy.sh":
        return False
    topics = [t for t in parts.path.split("/") if t]
    return any(t.lower() in PLACEHOLDER_TOPICS or len(t) < PRIVATE_TOPIC for t in topics)


def _links(settings: Settings) -> list[str]:
    server = settings.server
    host = urlsplit(server.public_url).hostname or ""
    address = _ip(host)
    fix = _("set it to the address your phone reaches")
    if address and address.is_unspecified:
        follows = (
            "" if "public_url" in server.model_fields_set else _(" (it follows server.listen)")
        )
        said = _("{url} is no address a phone can open").format(url=server.public_url)
        return [f"server.public_url: {said}{follows}; {fix}"]
    if _loopback(host) and not _loopback(server.host):
        said = _(
            "{url} opens only on this machine, but halfway listens on {listen} for others"
        ).format(url=server.public_url, listen=server.listen)
        return [f"server.public_url: {said}; {fix}"]
    return []


def _nothing(settings: Settings) -> list[str]:
    lines = []
    if not settings.channels:
        said = _(
            'none yet, so no nudge can reach you; add one under [channels], e.g. phone = "{url}"'
        )
        lines.append("channels: " + said.format(url="ntfy://ntfy.sh/your-secret-topic"))
    if not settings.nudges:
        said = _("none yet, so halfway has nothing to send; add a [[nudges]] block")
        lines.append(f"nudges: {said}")
    return lines


def _telling(settings: Settings) -> list[str]:
    """A discreet_title that says what the messages are: a lock screen shows it."""
    if settings.discreet and "halfway" in settings.discreet_title.lower():
        said = _(
            "'{title}' names halfway on every lock screen; a plain word of your own keeps it"
            " discreet"
        )
        return [f"discreet_title: {said.format(title=settings.discreet_title)}"]
    return []


def _past(settings: Settings, now: datetime) -> list[str]:
    lines = []
    for index, nudge in enumerate(settings.nudges):
        if nudge.at is None:
            continue
        when = nudge.at if nudge.at.tzinfo else nudge.at.replace(tzinfo=settings.tz)
        stamp = when.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z")
        if when + nudge.catch_up < now:
            said = _("{when} has passed, so this one-off nudge has nothing left to send")
            lines.append(f"nudges[{index}].at: {said.format(when=stamp)}")
        elif when <= now:
            said = _(
                "{when} has passed; this one-off nudge goes out late, once, unless it already has"
            )
            lines.append(f"nudges[{index}].at: {said.format(when=stamp)}")
    return lines


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def on_loopback(url: str) -> bool:
    """Whether a link to `url` opens on this machine only."""
    return _loopback(urlsplit(url).hostname or "")


def _loopback(host: str) -> bool:
    address = _ip(host)
    return (
        host == "localhost" or host.endswith(".localhost") or bool(address and address.is_loopback)
    )


def _data_dir_problem(folder: Path) -> str | None:
    """Why halfway could not keep its data in `folder`, or None. Looks only."""
    probe = folder
    try:
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent  # the nearest folder that exists: the new ones go in there
        if not probe.is_dir():
            if probe == folder:
                return _("'{folder}' is a file, not a folder").format(folder=folder)
            said = _("'{folder}' cannot be created: {parent} is a file, not a folder")
            return said.format(folder=folder, parent=probe)
        if not os.access(probe, os.W_OK | os.X_OK):
            if probe == folder:
                return unwritable(folder) + _whose(folder, folder)
            said = _("'{folder}' cannot be created: {parent} cannot be written by this user")
            return said.format(folder=folder, parent=probe)
        hot = folder / "halfway.json"
        if hot.exists() and not os.access(hot, os.W_OK):
            return unwritable(hot) + _whose(hot, folder)
    except OSError as error:
        said = _("'{folder}' cannot be reached ({reason})")
        return said.format(folder=folder, reason=error.strerror)
    return None


def unwritable(path: Path) -> str:
    return _("'{path}' cannot be written by this user").format(path=path)


def _whose(path: Path, folder: Path) -> str:
    """Whose `path` is, and the fix, when another user owns it: the Quick start run as
    root leaves root's files in a folder later given to the service user."""
    import pwd

    def name(uid: int) -> str:
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return str(uid)

    owner, me = path.stat().st_uid, os.geteuid()
    if owner == me:
        return ""
    if owner == 0:
        said = _(": it belongs to root, not to {user}; as root: {command}")
        return said.format(user=name(me), command=f"chown -R {name(me)}: {folder}")
    said = _(": it belongs to {user}; run halfway as that user: {command}")
    return said.format(user=name(owner), command=f"sudo -u {name(owner)} halfway …")
