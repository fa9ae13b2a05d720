"""`halfway test-channel NAME`: one clearly marked test message through one channel.

It prints what happened, with the channel's own reason when the message did not go
out, and records nothing: no delivery, no channel health, not even the data folder
is made. Apprise is loaded only when the command runs.
"""

from __future__ import annotations

import argparse

from halfway.cli.commands import UsageError
from halfway.cli.invocation import load_settings
from halfway.words import discretion
from halfway.words.language import N_, _

TITLE = N_("halfway test message")  # the title when not discreet (`_` where it is sent)


def test_message(name: str, discreet: bool) -> str:
    """The words of a test message: unmistakably a test, and nothing personal."""
    head = _(discretion.TEST) if discreet else _(TITLE)
    return _(
        "{head} — if this reached you, your '{name}' channel works.\n"
        "Nothing was recorded and no answer is needed."
    ).format(head=head, name=name)


def cmd_test_channel(args: argparse.Namespace) -> int:
    from halfway.channels import sending

    settings = load_settings(args)
    urls = settings.channels.get(args.name)
    if urls is None:
        known = ", ".join(settings.channels) or _("none")
        raise UsageError(
            _("NAME: no channel '{name}' in {source} (known: {known})").format(
                name=args.name, source=args.source, known=known
            )
        )
    where = ", ".join(sending.mask(url) for url in urls)
    result = sending.send(
        {args.name: urls},
        discretion.shown_title(settings.discreet_title) if settings.discreet else _(TITLE),
        test_message(args.name, settings.discreet),
        settings.send_timeout.total_seconds(),
        # the path every nudge takes (ntfy in its JSON form), with nothing to tap
        push=sending.Push(click="", action_url=""),
    )[args.name]
    if result.ok:
        print(
            _("{name}: test message sent ({where}); check that it arrived").format(
                name=args.name, where=where
            )
        )
        return 0
    print(
        _("{name}: the test message did not go out ({where})").format(name=args.name, where=where)
    )
    print("  " + _("reason: {reason}").format(reason=result.error))
    print("  " + _("check the channel's URL in your config, then try again"))
    return 1
