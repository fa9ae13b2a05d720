"""The one place a record is raw JSON: what the store reads and writes.

A record in the data file is a JSON object; the store (store.datafile, store.database)
hands it out as `Record` and takes it back as one. Code that knows which table it read
names the kind with the types in `records` (Delivery, Reply, Cursor, …). `Any` is
allowed here and at the store's boundary only (see [tool.mypy] in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Record = dict[str, Any]  # one JSON object of the data file, as TinyDB reads it
ReadOnly = Mapping[str, Any]  # one read, not changed here (a view's or a transaction's meta)
