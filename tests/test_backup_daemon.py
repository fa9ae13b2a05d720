"""The issue's test: `halfway backup` while the real daemon fires every second and replies
arrive over HTTP; each backup restores to a state the folder held between just before
and just after it, checked record by record, by id; and the restored folder's daemon
takes a reply to a link sent before the backup (the reply key came back)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from filelock import FileLock

from halfway.store.database import Store

from .conftest import HttpReceiver, wait_for
from .test_backup import other_config
from .test_replies import post_json

EVERY_SECOND = '[[nudges]]\nid = "often"\nkind = "boundary"\nevery = "1s"\n'
LINK = re.compile(r"http://\S+/r/\S+")
VALUES = ("held", "strained", "crossed")  # each answer another than the one before
PER_LINK = 15  # changes of one answer, under what a link may write at once (LINK_BURST)


class Replier(threading.Thread):
    """Answers each nudge as it arrives at the receiver and, between them, changes the
    answers given, one after another without pause: replies arrive, and records change
    (each a write of the hot file), all through the test."""

    def __init__(self, receiver: HttpReceiver) -> None:
        super().__init__(daemon=True)
        self.receiver = receiver
        self.done = threading.Event()
        self.links: list[str] = []
        self.writes: Counter[str] = Counter()
        self.statuses: set[int] = set()

    def run(self) -> None:
        seen = 0
        while not self.done.is_set():
            bodies = self.receiver.bodies()
            for body in bodies[seen:]:
                found = LINK.search(body["message"])
                if found:
                    self.links.append(found.group(0))
            seen = len(bodies)
            fresh = [link for link in self.links if self.writes[link] < PER_LINK]
            if not fresh:
                self.done.wait(0.02)  # until the next nudge arrives, or the test ends
                continue
            self.answer(fresh[0], VALUES[self.writes[fresh[0]] % len(VALUES)])

    def answer(self, link: str, value: str) -> None:
        status, _ = post_json(link, {"value": value})
        self.statuses.add(status)
        self.writes[link] += 1


def state(folder: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    """The hot file's write count and every record by table and id, read under the
    store's lock (one consistent state, as a backup reads it)."""
    store = Store(folder, create=False)  # its opening takes the lock itself
    with FileLock(str(folder / "halfway.json.lock")):
        view = store.view()
        tables = {**store.everything(), "nudges": view.records("nudges")}
        writes = int(view.meta["writes"])
    return writes, {name: {r["id"]: r for r in rows} for name, rows in tables.items()}


# What only grows as a record changes: a reply's earlier answers, a boundary's answers
# (one per nudge), a cursor's last fire.
GROWS = {"replies": "history", "boundaries": "answers", "nudges": "last"}


def between(
    table: str, was: dict[str, Any] | None, got: dict[str, Any], now: dict[str, Any]
) -> bool:
    """Whether `got` can be a version of a record between `was` (None: not yet there) and
    `now`: what only grows is between theirs (a delivery: of the same nudge)."""
    if got in (was, now):
        return True
    if table in GROWS:
        field = GROWS[table]
        sizes = [
            (r.get(field) or "") if field == "last" else len(r.get(field) or [])
            for r in (was, got, now)
            if r is not None
        ]
        return sizes == sorted(sizes, key=str if field == "last" else int)
    return table == "deliveries" and got["nudge_id"] == now["nudge_id"]


def test_backups_taken_while_the_daemon_fires_and_replies_arrive_restore_every_record(
    config_file, http_receiver, start_daemon, halfway, tmp_path
) -> None:
    written = config_file(
        EVERY_SECOND, server=True, send_timeout="5s", channels={"push": http_receiver.json_url()}
    )
    path, folder = written.path, written.data_dir
    assert folder is not None
    assert halfway("demo-data", "--weeks", "6", "--config", str(path)).code == 0  # archives
    daemon = start_daemon("--config", str(path), "--real-channels")
    replier = Replier(http_receiver)
    replier.start()
    taken = []
    try:
        # Three backups at least, and more (up to eight) until the daemon wrote during
        # one: a quick backup on a loaded machine can fall between two writes.
        for round_ in range(8):
            fired = len(http_receiver.bodies())
            wait_for(lambda n=fired: len(http_receiver.bodies()) >= n + 2)  # fires go on
            before = state(folder)
            target = tmp_path / f"backup-{round_}.tar"
            ran = halfway("backup", str(target), "--config", str(path))
            assert ran.code == 0, ran.err
            taken.append((target, before, state(folder)))
            if round_ >= 2 and any(after[0] > before[0] for _, before, after in taken):
                break
        early_link = replier.links[0]
    finally:
        replier.done.set()
        replier.join(10)
        assert daemon.stop() == 0
    assert replier.statuses == {200}
    # the daemon wrote while backups were taken (each waited for the lock a moment)
    assert any(after[0] > before[0] for _, before, after in taken)

    restored_states = []
    for round_, (target, (writes_before, before), (writes_after, after)) in enumerate(taken):
        restored = tmp_path / f"restored-{round_}"
        ran = halfway("restore", str(target), "--to", str(restored), "--config", str(path))
        assert ran.code == 0, ran.err
        writes, got = state(restored)
        # one whole version of the hot file, from the moments around the backup
        assert writes_before <= writes <= writes_after
        for table in set(before) | set(after) | set(got):
            was, now, back = before.get(table, {}), after.get(table, {}), got.get(table, {})
            assert set(was) <= set(back) <= set(now), table  # nothing lost, nothing made up
            for record_id, record in back.items():
                if was.get(record_id) == now.get(record_id):  # unchanged around the backup
                    assert record == was[record_id], (table, record_id)
                else:  # changed around it: a version between the two
                    assert between(table, was.get(record_id), record, now[record_id])
        # consistent within itself: every reply's delivery is there (and `state` read every
        # archive month the hot file lists)
        deliveries = got["deliveries"]
        assert all(r["delivery_id"] in deliveries for r in got["replies"].values())
        restored_states.append(got)
    # replies arrived between the backups, and each backup holds the ones before it
    counts = [len(s["replies"]) for s in restored_states]
    assert counts[0] < counts[1] < counts[2]

    # the restored folder answers a reply link sent before its backup: the key came back
    restored = tmp_path / "restored-2"
    config = other_config(config_file, restored, "restored.toml")
    listen = config.read_text().split('listen = "')[1].split('"')[0]
    again = start_daemon("--config", str(config))
    try:
        wait_for(lambda: again.health(listen))
        link = re.sub(r"http://[^/]+", f"http://{listen}", early_link)
        status, answer = post_json(link, {"value": "crossed"})
        assert status == 200, answer
        assert answer["value"] == "crossed"
    finally:
        assert again.stop() == 0
