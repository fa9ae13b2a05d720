"""The private links' own tokens: `halfway links`, `halfway links revoke`, against the
real running daemon; independent of the reply key; the migration of an older install;
and `digest --link` with two configs, each printing its own address."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from halfway.core import tokens
from halfway.store import links
from halfway.store.database import Store
from halfway.store.keys import start_keys

from .conftest import soon, wait_for
from .engine import first_start


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def printed(out: str) -> dict[str, str]:
    """`halfway links`' two addresses by kind."""
    found = dict(re.findall(r"^(private app|calendar feed)\b.*?: (\S+)$", out, re.M))
    return {"digest": found["private app"], "calendar": found["calendar feed"]}


def snapshot(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# against the real daemon ---------------------------------------------------------------


@pytest.fixture
def running(config_file, start_daemon, http_receiver):
    """`halfway run` with a nudge sent at once (its reply link) and the links printed."""
    written = config_file(
        f'[[nudges]]\nid = "evening"\nkind = "gesture_log"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: len(http_receiver.posts()) == 1)
    reply = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    yield written, reply
    assert daemon.stop() == 0


@pytest.mark.parametrize("kind", ["digest", "calendar", "private"])
def test_revoking_a_link_closes_it_at_once_on_the_running_daemon(running, halfway, kind) -> None:
    written, reply = running
    ran = halfway("links", "--config", str(written.path))
    assert ran.code == 0, ran.err
    old = printed(ran.out)
    assert old["digest"].startswith(f"http://{written.listen}/?t=")
    assert old["calendar"].startswith(f"http://{written.listen}/calendar/")
    assert all(status_of(url) == 200 for url in old.values())
    assert status_of(reply) == 200

    revoked = halfway("links", "revoke", kind, "--config", str(written.path))
    assert revoked.code == 0, revoked.err
    same = links.NAMES[kind]
    new = re.search(r"^new .*: (\S+)$", revoked.out, re.M).group(1)
    assert new != old[same]
    assert status_of(old[same]) == 403  # the running daemon, no restart, no wait
    assert status_of(new) == 200
    other = "calendar" if same == "digest" else "digest"
    assert status_of(old[other]) == 200  # the other link is untouched
    assert status_of(reply) == 200  # reply links keep working
    if same == "digest":  # every week's page opens with the new token, none with the old
        week = old["digest"].replace("/?t=", "/digest/2026-W40?t=")
        assert status_of(week) == 403
        assert status_of(new.replace("/?t=", "/digest/2026-W40?t=")) == 200
    shown = printed(halfway("links", "--config", str(written.path)).out)
    assert shown == {same: new, other: old[other]}
    assert halfway("digest", "--link", "--config", str(written.path)).out.strip() == shown["digest"]
    assert halfway("calendar-url", "--config", str(written.path)).out.strip() == shown["calendar"]


# the tokens ----------------------------------------------------------------------------


def test_links_print_both_and_are_independent_of_the_reply_key(
    config_file, halfway, start_daemon
) -> None:
    written = config_file(server=True)
    first_start(written.data_dir)
    folder = written.data_dir
    assert folder is not None
    key = tokens.load_key(folder)
    made = links.required(folder)
    assert (folder / links.FILE).stat().st_mode & 0o777 == 0o600
    assert made["digest"] != made["calendar"]
    for kind in links.KINDS:  # not derived from the reply key, as before
        assert made[kind] != links.legacy_token(key, kind)

    ran = halfway("links", "--config", str(written.path))
    assert ran.code == 0
    assert printed(ran.out) == {
        "digest": f"http://{written.listen}/?t={made['digest']}",
        "calendar": f"http://{written.listen}/calendar/{made['calendar']}.ics",
    }

    # a new reply key (the real 'halfway run --new-key') changes no link
    (folder / tokens.KEY_FILE).unlink()
    daemon = start_daemon("--config", str(written.path), "--new-key")
    wait_for(lambda: daemon.health(str(written.listen)))
    assert daemon.stop() == 0
    assert tokens.load_key(folder) != key
    assert links.required(folder) == made

    # revoking a link changes neither the reply key nor the other link
    key = tokens.load_key(folder)
    assert halfway("links", "revoke", "calendar", "--config", str(written.path)).code == 0
    after = links.required(folder)
    assert after["digest"] == made["digest"]
    assert after["calendar"] != made["calendar"]
    assert tokens.load_key(folder) == key


def test_an_older_install_keeps_its_links_once_and_a_revoked_one_never_comes_back(
    config_file,
) -> None:
    written = config_file()
    folder = written.data_dir
    assert folder is not None
    store = Store(folder)
    key = tokens.load_key(folder, create=True)  # as the older daemon left it: key, no links
    with store.transaction() as tx:
        tx.set_meta({"key_id": tokens.fingerprint(key)})
    start_keys(Store(folder))
    kept = links.required(folder)
    assert kept == {kind: links.legacy_token(key, kind) for kind in links.KINDS}

    links.revoke(folder, "digest")
    (folder / links.FILE).unlink()  # lost or removed by hand: the next start makes new ones
    start_keys(Store(folder))
    again = links.required(folder)
    assert again["digest"] != kept["digest"]
    assert again["calendar"] != kept["calendar"]


def test_a_token_is_checked_whole(tmp_path) -> None:
    links.ensure(tmp_path)
    current = links.Links(tmp_path)
    good = links.required(tmp_path)["digest"]
    assert current.valid("digest", good)
    assert not current.valid("calendar", good)  # each link its own
    for wrong in (None, "", good[:-1], good + "x", good.upper(), "ünïcode", good + "\n"):
        assert not current.valid("digest", wrong)
    (tmp_path / links.FILE).write_text("{not json")
    assert not current.valid("digest", good)  # damaged: no link opens
    (tmp_path / links.FILE).unlink()
    assert not current.valid("digest", good)  # gone: no link opens


# before the first start, and bad input -------------------------------------------------


@pytest.mark.parametrize(
    "argv", [("links",), ("links", "revoke", "digest"), ("calendar-url",), ("digest", "--link")]
)
def test_before_the_first_start_it_says_the_daemon_makes_them(config_file, halfway, argv) -> None:
    written = config_file()
    ran = halfway(*argv, "--config", str(written.path))
    assert ran.code == 1
    assert "no private links yet" in ran.err
    assert "'halfway run'" in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert written.data_dir is not None
    assert not written.data_dir.exists()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("links", "revoke"), "LINK"),
        (("links", "revoke", "reply"), "LINK"),
        (("links", "revoke", "digest", "calendar"), "calendar"),
        (("links", "rotate"), "ACTION"),
    ],
)
def test_a_bad_argument_is_one_line_exit_2_and_changes_nothing(
    config_file, halfway, capsys, argv, named
) -> None:
    written = config_file()
    first_start(written.data_dir)
    assert written.data_dir is not None
    before = snapshot(written.data_dir)
    ran = halfway(*argv, "--config", str(written.path))
    assert ran.code == 2
    assert len(ran.err.strip().splitlines()) == 1
    assert named in ran.err
    assert snapshot(written.data_dir) == before


def test_help_names_the_commands(halfway) -> None:
    for argv in (("links", "--help"), ("links", "revoke", "--help")):
        ran = halfway(*argv)
        assert ran.code == 0
        assert "403" in ran.out
        assert "reply links" in ran.out.lower()


# two configs, two daemons --------------------------------------------------------------


def two_configs(config_file) -> list:
    """Two configs, each with its own port and its own data folder."""
    configs = [config_file(server=True, name=f"{name}/config.toml") for name in ("first", "second")]
    for number, written in enumerate(configs):
        text = written.path.read_text().replace('/data"', f'/data-{number}"')
        written.path.write_text(text)
    return configs


def test_digest_link_with_two_configs_prints_each_configs_own_address(
    config_file, start_daemon, halfway
) -> None:
    configs = two_configs(config_file)
    daemons = [start_daemon("--config", str(w.path)) for w in configs]
    try:
        for daemon, written in zip(daemons, configs, strict=True):
            wait_for(lambda d=daemon, w=written: d.health(str(w.listen)))
        shown = []
        for written in configs:
            ran = halfway("digest", "--link", "--config", str(written.path))
            assert ran.code == 0, ran.err
            shown.append(ran.out.strip())
            assert shown[-1].startswith(f"http://{written.listen}/?t=")
            listed = printed(halfway("links", "--config", str(written.path)).out)
            assert listed["digest"] == shown[-1]
            assert listed["calendar"].startswith(f"http://{written.listen}/calendar/")
        assert [status_of(url) for url in shown] == [200, 200]
        # each token opens on its own daemon only
        swapped = [
            shown[0].replace(str(configs[0].listen), str(configs[1].listen)),
            shown[1].replace(str(configs[1].listen), str(configs[0].listen)),
        ]
        assert [status_of(url) for url in swapped] == [403, 403]
    finally:
        for daemon in daemons:
            daemon.stop()


def test_a_link_pointing_at_another_configs_daemon_says_so(
    config_file, start_daemon, halfway, monkeypatch
) -> None:
    """Two configs, one daemon each; a command whose address (here through the
    environment) reaches the other daemon's port prints its own data's link with a note
    that it will not open there."""
    configs = two_configs(config_file)
    daemons = [start_daemon("--config", str(w.path)) for w in configs]
    try:
        for daemon, written in zip(daemons, configs, strict=True):
            wait_for(lambda d=daemon, w=written: d.health(str(w.listen)))
        mine = halfway("digest", "--link", "--config", str(configs[0].path))
        assert mine.err == ""  # its own daemon answers there: nothing to say
        monkeypatch.setenv("HALFWAY_SERVER__LISTEN", str(configs[1].listen))
        for argv in (("digest", "--link"), ("links",), ("calendar-url",)):
            ran = halfway(*argv, "--config", str(configs[0].path))
            assert ran.code == 0
            assert f"http://{configs[1].listen}/" in ran.out
            assert "runs on other data" in ran.err
            assert "server.listen" in ran.err
            assert len(ran.err.strip().splitlines()) == 1
    finally:
        for daemon in daemons:
            daemon.stop()


def test_a_damaged_tokens_file_opens_nothing_and_revoke_mends_it(config_file, halfway) -> None:
    written = config_file()
    first_start(written.data_dir)
    folder = written.data_dir
    assert folder is not None
    old = links.required(folder)
    (folder / links.FILE).write_text('{"digest": 1')  # cut short
    ran = halfway("links", "--config", str(written.path))
    assert ran.code == 1
    assert len(ran.err.strip().splitlines()) == 1
    assert str(folder / links.FILE) in ran.err
    assert "'halfway links revoke digest'" in ran.err
    assert not links.Links(folder).valid("digest", old["digest"])
    mended = halfway("links", "revoke", "digest", "--config", str(written.path))
    assert mended.code == 0, mended.err
    new = links.required(folder)
    assert new["digest"] != old["digest"]
    assert new["calendar"] != old["calendar"]
    assert printed(halfway("links", "--config", str(written.path)).out)["calendar"].endswith(
        f"/calendar/{new['calendar']}.ics"
    )


def test_the_weekly_digest_still_goes_out_when_the_tokens_file_is_gone(tmp_path) -> None:
    from .conftest import Clock
    from .engine import make_daemon

    clock = Clock("2026-11-30T07:00:00+01:00")  # a Monday, an hour before the digest
    daemon = make_daemon(tmp_path, "", clock, push="json://127.0.0.1:9/hook")  # never sent
    folder = daemon.store.data_dir
    old = links.required(folder)["digest"]
    (folder / links.FILE).unlink()
    clock.set("2026-11-30T08:00:00+01:00")
    record = daemon.digest.tick()
    assert record is not None
    new = links.required(folder)["digest"]
    assert new != old
    assert record["link"].endswith(f"/digest/2026-W48?t={new}")
