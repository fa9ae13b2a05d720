"""A damaged, deleted or cut-short archive month, and a malformed archived record.

A damaged month fails only what reads it (the digest, history, export, the digest
page), said once and named; the nudges keep going out. A month deleted or cut short is
refused by its readers and said by health and `status`, never read as less. A record of
the wrong shape is named with its file, and the records beside it are still shown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from halfway.core.deliveries import month_of
from halfway.core.instants import format_instant
from halfway.store.database import Store
from halfway.store.links import Links

from .conftest import Clock, wait_for
from .engine import make_daemon

OFTEN = '[[nudges]]\nid = "often"\nkind = "custom"\nevery = "3s"\nchannels = ["push"]\n'
DIGEST = '[digest]\ncron = "* * * * *"\nchannels = ["push"]\n'


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:  # not listening yet
        return 0, ""


def finished(n: int, when: datetime, nudge: str = "often") -> dict[str, Any]:
    """A delivery sent long ago, finished: compaction moves it to its month."""
    stamp = format_instant(when)
    send = {"state": "sent", "attempts": 1, "sent_at": stamp, "error": None}
    return {
        "id": f"d_{n:04d}",
        "nudge_id": nudge,
        "kind": "custom",
        "scheduled_for": stamp,
        "due_at": stamp,
        "created_at": stamp,
        "expires_at": stamp,
        "state": "sent",
        "channels": {"push": send},
    }


def archived_folder(data: Path, now: datetime, months: int = 3, each: int = 4) -> list[str]:
    """A data folder whose last `months` months (before `now`) are archived by a real
    compaction, `each` deliveries a month; their month names, oldest first."""
    store = Store(data)
    with store.transaction() as tx:
        n = 0
        for back in range(months, 0, -1):
            for day in range(each):
                tx.put("deliveries", finished(n, now - timedelta(days=30 * back - day)))
                n += 1
        for extra in range(5):  # the last fires of the nudge stay hot (its back-off)
            tx.put("deliveries", finished(100 + extra, now - timedelta(days=1, minutes=extra)))
    store.compact(now)
    return store.months()


# a damaged month fails the digest, never the nudges ----------------------------------


def test_a_damaged_archive_month_fails_the_digest_but_the_nudges_go_on(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    ping = http_receiver.url("/ping/x")
    written = config_file(
        f'heartbeat_url = "{ping}"\n' + OFTEN + DIGEST,
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    data, listen = written.data_dir, written.listen
    assert data is not None
    assert listen is not None
    now = datetime.now(UTC)
    store = Store(data)
    with store.transaction() as tx:  # begun an hour ago: the digest is due at the start
        tx.set_meta({"created_at": format_instant(now - timedelta(hours=1))})
        tx.set_meta({"care": {"checked": format_instant(now)}})  # the weekly care look: not now
    newest = month_of(format_instant(now - timedelta(days=7)))  # a month the digest reads
    damaged = data / "archive" / f"{newest}.json"
    entry = {
        "id": "e_1",
        "kind": "note",
        "text": "x",
        "at": format_instant(now - timedelta(days=7)),
    }
    store.append_archive(newest, {"entries": [entry]})
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[: len(whole) // 2])  # cut short: no longer JSON

    daemon = start_daemon("--config", str(written.path))

    def failing() -> dict[str, Any] | None:
        status, text = get(f"http://{listen}/healthz")
        body: dict[str, Any] = json.loads(text) if text else {}
        return body if status == 503 and body.get("status") == "failing" else None

    body = wait_for(failing, timeout=30)
    assert str(damaged) in body["problem"]
    nudges_then = len(nudge_posts(http_receiver))
    wait_for(lambda: len(nudge_posts(http_receiver)) >= nudges_then + 2, timeout=20)
    assert body["problem"].startswith("digest: ")  # the unit that fails, named
    assert failing() is not None  # still failing: the digest is not made
    hot = json.loads((data / "halfway.json").read_text())
    kinds = {d["nudge_id"] for d in hot.get("deliveries", {}).values()}
    assert "often" in kinds
    assert not any(k.startswith("digest:") for k in kinds)
    fails = [r for r in http_receiver.requests if r["path"] == "/ping/x/fail"]
    assert fails
    assert str(damaged) in fails[0]["body"]

    token = Links(data).token("digest")
    status, page = get(f"http://{listen}/?t={token}")
    assert status == 503
    assert "cannot be shown just now" in page
    assert "Traceback" not in page

    for command in ("export", "history"):
        shown = halfway(command, "--config", str(written.path))
        assert shown.code == 1
        assert shown.err.count("\n") == 1
        assert str(damaged) in shown.err
    assert daemon.stop() == 0
    log = daemon.stderr()
    assert "Traceback" not in log
    assert sum(str(damaged) in line and "digest" in line for line in log.splitlines()) == 1


def nudge_posts(receiver: Any) -> list[dict[str, Any]]:
    return [r for r in receiver.requests if r["path"] == "/hook" and r["body"]]


def test_a_failing_digest_is_tried_again_later_and_never_holds_the_outbox(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="halfway")
    clock = Clock("2026-11-30T08:00:30+01:00")  # Monday, just after the digest's time
    body = OFTEN.replace('every = "3s"', 'every = "1m"') + DIGEST
    daemon = make_daemon(tmp_path, body, clock, push="json://127.0.0.1:9/hook")
    store = daemon.store
    with store.transaction() as tx:
        tx.set_meta({"created_at": "2026-11-30T06:00:00+00:00"})
    path = store.archive_dir / "2026-11.json"
    entry = {"id": "e_1", "kind": "note", "text": "x", "at": "2026-11-20T10:00:00+00:00"}
    store.append_archive("2026-11", {"entries": [entry]})
    good = path.read_bytes()
    path.write_bytes(good[:20])

    clock.advance(minutes=1)  # the nudge's first fire
    claimed = daemon.decide()
    assert [d["nudge_id"] for d in claimed] == ["often"]  # the outbox claimed regardless
    assert daemon.problem is not None
    assert daemon.problem.startswith("digest: ")
    assert str(path) in daemon.problem
    wake = daemon.plan()
    assert wake is not None
    assert wake > clock()
    with store.transaction() as tx:  # finished: compaction moves it into the damaged month
        tx.put("entries", {**entry, "id": "e_2", "at": "2026-11-10T10:00:00+00:00"})
    asyncio.run(compact(daemon))
    assert store.view().get("entries", "e_2") is not None  # not moved: the month is refused
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1  # one fault, one line: the digest's
    assert errors[0].startswith(f"digest: {path}")

    path.write_bytes(good)
    clock.advance(minutes=1)
    daemon.decide()  # within the retry: the digest is not tried yet
    assert not digests(store)
    clock.advance(minutes=5)
    daemon.decide()
    assert [d["nudge_id"] for d in digests(store)] == ["digest:2026-W48"]
    assert daemon.units.problem() is None


async def compact(daemon: Any) -> None:
    """Compaction as the daemon runs it: in its pool, a failure kept and said."""
    daemon.attach(asyncio.get_running_loop())
    await daemon.work(daemon.store.compact, daemon.clock())


def digests(store: Store) -> list[dict[str, Any]]:
    return [d for d in store.view().records("deliveries") if d["nudge_id"].startswith("digest:")]


# a month deleted or cut short is said, never read as less --------------------------------


def test_a_deleted_archive_month_is_said_by_health_status_history_and_export(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        OFTEN, server=True, send_timeout="5s", channels={"push": http_receiver.json_url()}
    )
    data, listen, path = written.data_dir, written.listen, str(written.path)
    assert data is not None
    months = archived_folder(data, datetime.now(UTC))
    assert len(months) >= 3
    listed = json.loads((data / "halfway.json").read_text())["meta"]["1"]["archives"]
    assert listed == {month: 4 for month in months}  # the list, with each month's count
    assert halfway("export", "--config", path).code == 0
    gone = data / "archive" / f"{months[1]}.json"
    kept = gone.read_bytes()

    daemon = start_daemon("--config", path)

    def health() -> tuple[int, dict[str, Any]]:
        status, text = get(f"http://{listen}/healthz")
        return status, json.loads(text) if text else {}

    wait_for(lambda: health()[0] == 200, timeout=30)
    gone.unlink()
    status, body = health()  # at once, not only at the next pass
    assert status == 503
    assert body["problem"].startswith("archives: ")
    assert f"{gone}: this archive month is missing (4 records were" in body["problem"]
    sent = len(nudge_posts(http_receiver))
    wait_for(lambda: len(nudge_posts(http_receiver)) > sent, timeout=20)  # the nudges go on
    shown = halfway("status", "--config", path)
    assert shown.code == 1
    assert str(gone) in shown.out
    for command in ("export", "history"):
        refused = halfway(command, "--config", path)
        assert refused.code == 1
        assert refused.out == ""  # nothing shown rather than less than was written
        assert refused.err.count("\n") == 1
        assert f"{gone}: this archive month is missing" in refused.err
        assert f"'halfway accept-loss {months[1]}'" in refused.err  # if no backup has it
    gone.write_bytes(kept)  # restored from a backup: all carries on
    wait_for(lambda: health()[0] == 200, timeout=40)
    assert daemon.stop() == 0
    log = daemon.stderr()
    assert log.count(str(gone)) == 1  # one log line
    assert "working again" in log

    gone.unlink()
    stopped = halfway("status", "--config", path)  # no daemon: the data still says it
    assert str(gone) in stopped.out

    accepted = halfway("accept-loss", months[1], "--config", path)  # no backup had it
    assert accepted.code == 0
    assert "4 records accepted as lost" in accepted.out
    assert str(gone) not in halfway("status", "--config", path).out
    assert halfway("history", "--config", path).code == 0


def test_an_archive_month_cut_short_is_refused_by_its_readers(config_file, halfway) -> None:
    written = config_file(OFTEN, channels={"push": "json://127.0.0.1:9/hook"})
    assert written.data_dir is not None
    months = archived_folder(written.data_dir, datetime.now(UTC))
    month = written.data_dir / "archive" / f"{months[0]}.json"
    data = json.loads(month.read_text())
    del data["deliveries"]["2"]
    month.write_text(json.dumps(data))
    refused = halfway("export", "--config", str(written.path))
    assert refused.code == 1
    assert f"{month}: this archive month holds 3 records, 4 were written" in refused.err
    path = str(written.path)
    assert halfway("accept-loss", "2001-01", "--config", path).code == 2  # not a month of it
    assert halfway("accept-loss", months[1], "--config", path).out.endswith("nothing changed\n")
    assert halfway("accept-loss", months[0], "--config", path).code == 0
    exported = halfway("export", "--config", path)
    assert exported.code == 0
    assert len(json.loads(exported.out)["deliveries"]) == 4 * 3 - 1 + 5


def test_a_folder_from_before_the_list_gets_it_at_the_next_compaction(tmp_path) -> None:
    now = datetime.now(UTC)
    months = archived_folder(tmp_path / "data", now)
    store = Store(tmp_path / "data")
    hot = json.loads(store.path.read_text())
    del hot["meta"]["1"]["archives"]  # as an older halfway left it
    store.path.write_text(json.dumps(hot))
    store = Store(tmp_path / "data")
    (store.archive_dir / f"{months[0]}.json").unlink()  # lost before the list: unknown
    assert len(store.everything()["deliveries"]) == 4 * 2 + 5
    store.compact(now)
    assert store.view().meta["archives"] == {month: 4 for month in months[1:]}
    (store.archive_dir / f"{months[1]}.json").unlink()
    assert store.archive_problem() is not None
    assert months[1] in str(store.archive_problem())


# a malformed archived record is named; the rest are shown -------------------------------


def test_a_malformed_archived_record_is_named_and_the_others_are_shown(
    config_file, halfway, caplog
) -> None:
    written = config_file(OFTEN, channels={"push": "json://127.0.0.1:9/hook"})
    assert written.data_dir is not None
    months = archived_folder(written.data_dir, datetime.now(UTC), months=1)
    month = written.data_dir / "archive" / f"{months[0]}.json"
    data = json.loads(month.read_text())
    del data["deliveries"]["2"]["scheduled_for"]  # a record with a field lost
    data["entries"] = {"1": {"id": "e_bad", "kind": "note", "text": "x", "at": 5}}
    month.write_text(json.dumps(data))
    with caplog.at_level("WARNING", logger="halfway"):
        shown = halfway("history", "--config", str(written.path))
    assert shown.code == 0
    assert "KeyError" not in shown.err
    assert shown.out.count("often (custom): sent") == 4 - 1 + 5
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"{month}: record 2 of 'deliveries' (d_0001) has no 'scheduled_for'" in said[0]
    assert f"{month}: record 1 of 'entries' (e_bad) 'at' is not a time" in said[1]
    assert len(said) == 2
