"""A data folder made by `halfway demo-data` holds sample weeks, not a person's: what
`run`, `send` and `digest --send` do there goes to the demo's printing channel (the
terminal and `demo-inbox.jsonl` in the folder), never to the config's real phone and
mail, unless `--real-channels` is given. The hot file's meta says which folder that is.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.store.atrest import store_key
from halfway.store.datafile import StoreError, meta_of, read_file

if TYPE_CHECKING:
    from halfway.config.models import Settings

MARK = "sample_data"  # in the hot file's meta: what made the folder ("demo-data")
INBOX = "demo-inbox.jsonl"


def is_sample(data_dir: Path, key: bytes | None = None) -> bool:
    """Whether `data_dir` holds sample data made by `halfway demo-data` (sealed with
    `key`, if encrypted). Reads only; a file that cannot be read is left for the store
    to report."""
    try:
        data = read_file(Path(data_dir) / "halfway.json", key)
    except StoreError:
        return False
    return bool(data and meta_of(data).get(MARK))


def printing(settings: Settings, real: bool, say: bool = True) -> Settings:
    """`settings` with every channel printing here instead, on a folder of sample data
    (and no IMAP or heartbeat of the real setup); as it was with `real` or on real data.
    `say`: one line on stderr naming what happens and how to send for real. An
    encrypted folder keeps no inbox: its words would lie there unsealed."""
    key = store_key(settings)
    if real or not is_sample(settings.data_dir, key):
        return settings
    inbox = settings.data_dir / INBOX
    url = "halfway://terminal" if key else f"halfway://terminal?inbox={inbox}"
    kept = "" if key else f" and kept in {inbox}"
    if say:
        print(
            f"halfway: {settings.data_dir} holds sample data (made by 'halfway demo-data'):"
            f" what goes out is printed here{kept}, not sent to your"
            " channels; add --real-channels to send it to them",
            file=sys.stderr,
            flush=True,
        )
    update = {
        "channels": {name: [url] for name in settings.channels},
        "imap": None,  # the real mailbox's answers belong to the real data
        "heartbeat_url": None,  # a monitor would take the sample's daemon for the service
    }
    return settings.model_copy(update=update)
