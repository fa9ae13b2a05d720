"""E-mail replies: read the [imap] mailbox and record each reply through the one set of rules.

Where the polls have got to in the mailbox (`imap.Cursor`) is kept in the hot file's meta
under ``imap``, so a restart does not read the same mail again. A reply counts as received
when it reached the mailbox, so one sent before its link closed still counts when it is
read after; but never later than now, nor more than MAX_LATE before it (a wrong clock or a
made-up date cannot reopen a link that closed long ago).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from halfway.config.models import Settings
from halfway.replies import imap, service
from halfway.store.database import Record, Store

log = logging.getLogger("halfway")

#: How long before it is read a reply's own arrival time still counts.
MAX_LATE = timedelta(hours=6)


def arrived(mail: imap.MailReply, now: datetime) -> datetime:
    """When a reply counts as received: its own time, kept within MAX_LATE before `now`."""
    return min(max(mail.received_at, now - MAX_LATE), now)


def poll(
    settings: Settings,
    store: Store,
    key: bytes,
    clock: Callable[[], datetime],
    replied: Callable[[Record, Record, str], None],
) -> int:
    """Record the e-mail replies that arrived since the last poll; how many were handled."""
    if settings.imap is None:
        return 0
    box = settings.imap
    cfg = imap.ImapConfig(
        host=box.host,
        port=box.port,
        user=box.user,
        password=box.password,
        folder=box.folder,
        tls=box.tls,
        move_to=box.move_to,
        timeout=settings.send_timeout.total_seconds(),
    )

    def handle(mail: imap.MailReply) -> bool:
        try:
            delivery = service.delivery_for(store, key, mail.token)
            reply, took = service.accept(
                store,
                delivery,
                mail.value,
                "email",
                arrived(mail, clock()),
                note=mail.note,
                message_id=mail.message_id,
            )
        except service.ReplyError as error:
            log.warning("an e-mail reply was not taken: %s", error.message)
            return False
        replied(delivery, reply, took)
        return True

    account = f"{box.user}@{box.host}:{box.port}/{box.folder}"
    cursor = load_cursor(store, account)
    before = dataclasses.replace(cursor)
    try:
        return imap.poll(
            cfg, handle, pattern=imap.token_link_pattern(settings.server.public_url), cursor=cursor
        )
    except imap.ImapError as error:
        log.warning("could not read e-mail replies: %s", error)
        return 0
    finally:
        if cursor != before:
            with store.transaction() as tx:
                tx.set_meta({"imap": {"account": account, **dataclasses.asdict(cursor)}})


def load_cursor(store: Store, account: str) -> imap.Cursor:
    """Where the last poll of `account` stopped, from the hot file's meta (start over if
    it was another mailbox, or nothing was kept)."""
    saved = store.view().meta.get("imap")
    if not isinstance(saved, dict) or saved.get("account") != account:
        return imap.Cursor()
    validity, last = saved.get("uidvalidity"), saved.get("last_uid")
    if not isinstance(validity, int) or not isinstance(last, int):
        return imap.Cursor()
    return imap.Cursor(uidvalidity=validity, last_uid=last)
