"""The reply key of a data folder: made by the daemon's first start only, and checked
against the one the data was made with (its fingerprint is kept in the hot file); and
the private links' own tokens beside it (see `links`).
"""

from __future__ import annotations

from halfway.core import tokens
from halfway.store import links
from halfway.store.database import Store, StoreError
from halfway.words import invoked
from halfway.words.language import _


def start_keys(store: Store, new_key: bool = False) -> tuple[bytes, links.Links]:
    """The daemon's start: the reply key (`reply_key`), and the private links' tokens,
    made if missing. An install from before links.json (its reply key known to the
    data) keeps the links it had, once; after that (`meta["links"]`) a missing token is
    always a new random one, so no revoked link can come back."""
    meta = store.view().meta
    key = reply_key(store, new_key)  # a key it makes or accepts marks the links as own too
    older = meta.get("key_id") == tokens.fingerprint(key) and not meta.get("links")
    links.ensure(store.data_dir, key if older else None)
    if older:
        with store.transaction() as tx:
            tx.set_meta({"links": "own"})
    return key, links.Links(store.data_dir)


def reply_key(store: Store, new_key: bool = False) -> bytes:
    """The reply key: made at the daemon's first start only, and checked against the
    one the data was made with, so links never silently split between two keys.

    `new_key` (`halfway run --new-key`) is the explicit act that makes or accepts
    another; links already sent then stop working.
    """
    view = store.view()
    known = view.meta.get("key_id")
    first = known is None and not any(d.get("link") for d in view.records("deliveries"))
    remedy = _("or accept a new one with '{command}' (links already sent stop working)").format(
        command=invoked.command("run --new-key")
    )
    try:
        key = tokens.load_key(store.data_dir, create=first or new_key)
    except tokens.KeyMissing as error:
        raise StoreError(f"{error}, {remedy}") from None
    found = tokens.fingerprint(key)
    if known is not None and found != known and not new_key:
        said = _(
            "{path}: not the reply key this data was made with; put the right one back, {remedy}"
        )
        raise StoreError(said.format(path=store.data_dir / tokens.KEY_FILE, remedy=remedy))
    if found != known:
        with store.transaction() as tx:
            tx.set_meta({"key_id": found, "links": "own"})
    return key
