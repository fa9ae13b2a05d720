"""Each table of the data file by the kind of record it holds (`core.records`).

`View` (a read) and `Tx` (a locked write) hand out raw JSON by table name
(`records(table)`, `get(table, id)`); the code that knows which table it reads asks
through these instead and gets the record's own type (`view.deliveries()`,
`tx.talk(talk_id)`). The cast is the store's promise: every record of the table was
written in that shape (older shapes are upgraded on the first open, see `layout`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from halfway.core.records import Ask, Boundary, Cursor, Delivery, Entry, Reply, Talk

if TYPE_CHECKING:
    from halfway.core.rawjson import Record


class Kinds:
    """The typed doors to the tables; a subclass gives `records` and `get`."""

    def records(self, table: str) -> list[Record]:  # pragma: no cover - given by subclasses
        raise NotImplementedError

    def get(self, table: str, record_id: str) -> Record | None:  # pragma: no cover
        raise NotImplementedError

    def deliveries(self) -> list[Delivery]:
        return cast("list[Delivery]", self.records("deliveries"))

    def delivery(self, delivery_id: str) -> Delivery | None:
        return cast("Delivery | None", self.get("deliveries", delivery_id))

    def replies(self) -> list[Reply]:
        return cast("list[Reply]", self.records("replies"))

    def reply(self, reply_id: str) -> Reply | None:
        return cast("Reply | None", self.get("replies", reply_id))

    def cursors(self) -> list[Cursor]:
        """The nudges' cursors (table `nudges`)."""
        return cast("list[Cursor]", self.records("nudges"))

    def cursor(self, nudge_id: str) -> Cursor | None:
        return cast("Cursor | None", self.get("nudges", nudge_id))

    def talks(self) -> list[Talk]:
        return cast("list[Talk]", self.records("talks"))

    def talk(self, talk_id: str) -> Talk | None:
        return cast("Talk | None", self.get("talks", talk_id))

    def asks(self) -> list[Ask]:
        return cast("list[Ask]", self.records("asks"))

    def ask(self, ask_id: str) -> Ask | None:
        return cast("Ask | None", self.get("asks", ask_id))

    def boundaries(self) -> list[Boundary]:
        return cast("list[Boundary]", self.records("boundaries"))

    def boundary(self, boundary_id: str) -> Boundary | None:
        return cast("Boundary | None", self.get("boundaries", boundary_id))

    def entries(self) -> list[Entry]:
        return cast("list[Entry]", self.records("entries"))
