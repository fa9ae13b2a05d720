"""A damaged, deleted or cut-short archive month, and a malformed archived record.

A damaged month fails only what reads it (the digest, history, export, the digest
page), said once and named; the nudges keep going out. A month deleted or cut short is
refused by its readers and said by health and `status`, never read as less. A record of
the wrong shape is named with its file, and the records beside it are still shown.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from halfway.deliveries import iso, month_of
from halfway.links import Links
from halfway.store import Store

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
    stamp = iso(when)
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


# 1. a damaged month fails the digest, never the nudges -------------------------------


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
        tx.set_meta({"created_at": iso(now - timedelta(hours=1))})
    newest = month_of(iso(now - timedelta(days=7)))  # a month the digest reads
    damaged = data / "archive" / f"{newest}.json"
    entry = {"id": "e_1", "kind": "note", "text": "x", "at": iso(now - timedelta(days=7))}
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

    shown = halfway("export", "--config", str(written.path))
    assert shown.code == 1
    assert str(damaged) in shown.err
    assert daemon.stop() == 0
    log = daemon.stderr()
    assert "Traceback" not in log
    assert sum(str(damaged) in line and "digest" in line for line in log.splitlines()) == 1


def nudge_posts(receiver: Any) -> list[dict[str, Any]]:
    return [r for r in receiver.requests if r["path"] == "/hook" and r["body"]]


def test_a_failing_digest_is_tried_again_later_and_never_holds_the_outbox(tmp_path) -> None:
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

    path.write_bytes(good)
    clock.advance(minutes=1)
    daemon.decide()  # within the retry: the digest is not tried yet
    assert not digests(store)
    clock.advance(minutes=5)
    daemon.decide()
    assert [d["nudge_id"] for d in digests(store)] == ["digest:2026-W48"]
    assert daemon.units.problem() is None


def digests(store: Store) -> list[dict[str, Any]]:
    return [d for d in store.view().records("deliveries") if d["nudge_id"].startswith("digest:")]
