"""E-mail replies: read the [imap] mailbox and record each reply through the one set of rules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from halfway.config import Settings
from halfway.replies import imap, service
from halfway.store import Record, Store

log = logging.getLogger("halfway")


def poll(
    settings: Settings,
    store: Store,
    key: bytes,
    clock: Callable[[], datetime],
    replied: Callable[[Record, Record, bool], None],
) -> int:
    """Record the e-mail replies waiting in the mailbox; how many were handled."""
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
            reply, first = service.accept(
                store,
                delivery,
                mail.value,
                "email",
                clock(),
                note=mail.note,
                message_id=mail.message_id,
            )
        except service.ReplyError as error:
            log.warning("an e-mail reply was not taken: %s", error.message)
            return False
        replied(delivery, reply, first)
        return True

    try:
        return imap.poll(cfg, handle, pattern=imap.token_link_pattern(settings.server.public_url))
    except imap.ImapError as error:
        log.warning("could not read e-mail replies: %s", error)
        return 0
