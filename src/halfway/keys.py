"""The reply key of a data folder: made by the daemon's first start only, and checked
against the one the data was made with (its fingerprint is kept in the hot file).
"""

from __future__ import annotations

from halfway.replies import tokens
from halfway.store import Store, StoreError


def reply_key(store: Store, new_key: bool = False) -> bytes:
    """The reply key: made at the daemon's first start only, and checked against the
    one the data was made with, so links never silently split between two keys.

    `new_key` (`halfway run --new-key`) is the explicit act that makes or accepts
    another; links already sent then stop working.
    """
    view = store.view()
    known = view.meta.get("key_id")
    first = known is None and not any(d.get("link") for d in view.records("deliveries"))
    remedy = "or accept a new one with 'halfway run --new-key' (links already sent stop working)"
    try:
        key = tokens.load_key(store.data_dir, create=first or new_key)
    except tokens.KeyMissing as error:
        raise StoreError(f"{error}, {remedy}") from None
    found = tokens.fingerprint(key)
    if known is not None and found != known and not new_key:
        raise StoreError(
            f"{store.data_dir / tokens.KEY_FILE}: not the reply key this data was made with;"
            f" put the right one back, {remedy}"
        )
    if found != known:
        with store.transaction() as tx:
            tx.set_meta({"key_id": found})
    return key
