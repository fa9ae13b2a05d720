"""`halfway run`, from the command to the running daemon: the port first, then the data
folder, its lock and the reply key; then the event loop until SIGTERM or SIGINT.

The order is the point: a daemon that cannot serve writes nothing, and a second one
on the same data is told so before it touches anything.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from datetime import datetime

from halfway.config.models import Settings
from halfway.core.instants import format_instant
from halfway.engine.daemon import Daemon
from halfway.engine.planner import Player
from halfway.store import runlock
from halfway.store.database import Store, StoreError
from halfway.store.datafile import last_write
from halfway.words import invoked


class DaemonError(Exception):
    """The daemon cannot start; the message says what to change."""


def bind(listen: str, demo: bool = False) -> socket.socket:
    """The listening socket for `server.listen`, made before anything touches the data
    folder: a second daemon on a busy port leaves nothing behind. For the demo, the
    refusal says how to run it on a free port."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    try:
        family = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, int(port)), family=family, backlog=128)
    except OSError as error:
        # without create_server's "(while attempting to bind on address …)": it is said
        reason = (error.strerror or str(error)).split(" (while attempting")[0]
        if demo:
            raise DaemonError(
                f"cannot listen on {listen} ({reason}); run the demo on another port:"
                f" HALFWAY_SERVER__LISTEN=127.0.0.1:{spare_port(int(port))} halfway run --demo"
            ) from None
        hint = f"; is another halfway running? see '{invoked.command('status')}'"
        raise DaemonError(
            f"server.listen: cannot listen on {listen} ({reason})"
            + (hint if error.errno == errno.EADDRINUSE else "")
        ) from None
    sock.setblocking(False)
    return sock


def spare_port(taken: int) -> str:
    """A loopback port free just now, near `taken` ('PORT' if none of the next 20 is)."""
    for port in range(taken + 1, min(taken + 21, 65536)):
        try:
            socket.create_server(("127.0.0.1", port)).close()
        except OSError:
            continue
        return str(port)
    return "PORT"


def listening(settings: Settings, demo: bool = False) -> socket.socket:
    """The daemon's listening socket (see `bind`); StoreError when the port is busy
    because a daemon already runs on this data."""
    try:
        return bind(settings.server.listen, demo)
    except DaemonError:
        pid = runlock.running(settings.data_dir) if runlock.present(settings.data_dir) else None
        if pid:  # the port is busy because we already run: say that
            raise StoreError(
                f"{settings.data_dir}: another halfway daemon is already running on this data"
                f" (pid {pid})"
            ) from None
        raise


def run(
    settings: Settings,
    make_store: Callable[[], Store],
    reload: Callable[[], Settings] | None = None,
    demo: Callable[[datetime], Player] | None = None,
    new_key: bool = False,
    sock: socket.socket | None = None,
    accept_copy: bool = False,
) -> int:
    """Run in the foreground until SIGTERM or SIGINT; return the exit code.

    The port is taken first (`sock`, when the caller took it already: see `listening`),
    then the data folder: a daemon that cannot serve writes nothing.
    """
    if sock is None:
        sock = listening(settings, demo is not None)
    try:
        store = make_store()
        lock = runlock.hold(store.data_dir)
    except runlock.AlreadyRunning as error:
        sock.close()
        raise StoreError(str(error)) from None
    except BaseException:
        sock.close()
        raise
    try:
        if accept_copy:  # under the daemon's lock: no other daemon writes meanwhile
            take_copy(store)
        daemon = Daemon(settings, store, reload=reload, demo=demo, new_key=new_key)
    except BaseException:
        sock.close()
        runlock.release(lock, store.data_dir)
        raise

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await daemon.serve(stop, sock)

    try:
        asyncio.run(main())
    finally:
        runlock.release(lock, store.data_dir)
    if daemon.abandoned:
        # Apprise's worker threads would hold the interpreter open until the
        # hung send times out; the delivery is already on disk.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    return 0


def take_copy(store: Store) -> None:
    """`run --accept-copy`: carry on from the hot file as it is, an older copy of itself
    (a backup put back on purpose). Its next write counts on from the newest copy's count
    (`datafile.counted`), so the newest, put back later, is refused as the older one."""
    kept, meta = last_write(store.path), store.view().meta
    count = meta.get("writes", 0)
    if kept is None or kept[0] != meta.get("file_id") or count >= kept[1]:
        return  # nothing to accept: the file is as its last write left it
    with store.transaction() as tx:
        tx.set_meta(
            {
                "copy_accepted": {
                    "at": format_instant(store.clock()),
                    "its": count,
                    "newest": kept[1],
                }
            }
        )
    logging.getLogger("halfway").warning(
        "%s: carrying on from this older copy (its write %d; write %d was the newest), as asked",
        store.path,
        count,
        kept[1],
    )
