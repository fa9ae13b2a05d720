"""The daemon's HTTP listener, bounded (see `limits`): no client, slow, silent or many,
can hold the server, and none can take the file descriptors the sending needs.

- Headers: aiohttp's keep-alive timer starts at connect (from 3.14) and is not put off
  by data that is not yet a whole request, so `keepalive_timeout` bounds both the time
  to send the headers and an idle kept-alive connection; `sweep` closes a connection
  whose first request has not come in by then whatever the version.
- Body: `body_in_time` waits at most `body` seconds for a request's whole body, then
  answers 408 and closes.
- Life: a connection still open after `life` seconds is asked to close after its
  request, and cut `body` seconds later (a client that never reads its answer).
- Cap: beyond `Http.cap()` open connections a new one is answered 503 and closed at
  once, with one log line a minute; the listener never runs out of descriptors, so
  asyncio never logs its accept error (with a traceback, once per waiting
  connection and tick); should it all the same, that too is one line a minute.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from halfway.channels import logs
from halfway.core import limits
from halfway.replies.web import MAX_BODY, answer
from halfway.words.plural import plural

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware  # aiohttp's type of a middleware

log = logging.getLogger("halfway.http")

SLOW = "That request came in too slowly. Please try again."
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 34\r\nRetry-After: 10\r\n\r\nToo many connections; try again.\r\n"
)
OUT_OF_FDS = "socket.accept() out of system resource"


class Serving:
    """`app` served on the listening socket `sock` within `bounds`; `start`, then `stop`."""

    def __init__(self, app: web.Application, sock: socket.socket, bounds: limits.Http) -> None:
        self.bounds = bounds
        self.sock = sock
        app.middlewares.append(self.first_request)
        app.middlewares.append(body_in_time(bounds.body))
        self.runner = web.AppRunner(
            app,
            access_log=None,
            keepalive_timeout=bounds.header,
            lingering_time=bounds.body,
            shutdown_timeout=limits.SHUTDOWN_SECONDS,  # a stop waits for no slow client
        )
        # each connection's handler: when it was made (monotonic)
        self.born: dict[web.RequestHandler, float] = {}
        # the connections whose first request's headers came in
        self.asked: set[web.RequestHandler] = set()
        # handlers made whose connection aiohttp counts soon
        self.pending: set[web.RequestHandler] = set()
        self.said = -limits.CAP_LOG_SECONDS  # when the cap was last logged (monotonic)
        self.refused = 0  # connections refused since

    async def start(self) -> None:
        await self.runner.setup()
        loop = asyncio.get_running_loop()
        self.cap = self.bounds.cap()
        quiet_accept_errors(loop)
        self.listener = await loop.create_server(self.accept, sock=self.sock)
        self.sweeping = asyncio.ensure_future(self.sweep())

    async def stop(self) -> None:
        self.sweeping.cancel()
        self.listener.close()
        await self.runner.cleanup()

    async def sweep(self) -> None:
        """Every second: close the connections that outlived `life` (see `cut`)."""
        while True:
            await asyncio.sleep(min(1.0, self.bounds.life / 4))
            try:
                self.close_the_old(time.monotonic())
            except Exception as error:  # a surprise here must not end the sweeping
                log.error("closing old connections failed: %s", logs.describe(error))

    def close_the_old(self, now: float) -> None:
        self.forget()
        for handler, born in list(self.born.items()):
            if now - born >= self.bounds.life + self.bounds.body:
                cut(handler)
            elif now - born >= self.bounds.life:
                handler.close()  # after the request it is answering, if any
            elif now - born >= self.bounds.header and handler not in self.asked:
                handler.force_close()  # no whole request yet (aiohttp before 3.14 waits)

    @web.middleware
    async def first_request(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Note that this connection's headers came in (`sweep` closes one that took too long)."""
        self.asked.add(request.protocol)
        return await handler(request)

    def accept(self) -> asyncio.BaseProtocol:
        """The protocol for a new connection: aiohttp's, or a 503 and close at the cap."""
        server = self.runner.server
        assert server is not None
        if len(self.pending.union(server.connections)) >= self.cap:  # one made may be both
            self.at_cap(time.monotonic())
            return Refuse()
        handler = server()
        self.born[handler] = time.monotonic()
        # aiohttp counts a connection from its connection_made, which asyncio calls
        # soon after this returns: until then it is pending (two turns of the loop)
        self.pending.add(handler)
        loop = asyncio.get_running_loop()
        loop.call_soon(loop.call_soon, self.pending.discard, handler)
        return handler

    def forget(self) -> None:
        """Forget the connections aiohttp has forgotten (lost)."""
        assert self.runner.server is not None
        open_now = set(self.runner.server.connections) | self.pending
        self.born = {h: t for h, t in self.born.items() if h in open_now}
        self.asked &= self.born.keys()

    def at_cap(self, now: float) -> None:
        self.refused += 1
        if now - self.said >= limits.CAP_LOG_SECONDS:
            log.warning(
                "%d HTTP connections open, the most halfway takes: %d refused since the "
                "last such line; the sending goes on (this line at most once a minute)",
                self.cap,
                self.refused,
            )
            self.said, self.refused = now, 0


class Refuse(asyncio.Protocol):
    """A connection beyond the cap: a short 503, then closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


def cut(handler: web.RequestHandler) -> None:
    """Abort a connection that outlived its life and the grace after (its unsent
    answer is dropped: `close` would wait for a reader that does not read)."""
    transport = handler.transport
    if transport is not None:
        transport.abort()


def body_in_time(seconds: float) -> Middleware:
    """A middleware: a request's body must be all in within `seconds` (a 408 if not)."""

    @web.middleware
    async def bounded(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        content = request.content
        if request.body_exists and (request.content_length or 0) <= MAX_BODY:
            try:
                async with asyncio.timeout(seconds):
                    if content.exception() is None:  # a body that does not decode: at once
                        await content.wait_eof()  # buffered, still there to read
            except TimeoutError:
                response = answer(request, 408, SLOW)
                response.force_close()
                return response
            except Exception:  # noqa: S110 - the handler reads the body and says what is wrong
                pass
        return await handler(request)

    return bounded


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """asyncio's "out of system resource" on accept, at most one line a minute and no
    traceback; everything else as asyncio would log it."""
    said = [-limits.CAP_LOG_SECONDS, 0]

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        if context.get("message") != OUT_OF_FDS:
            loop.default_exception_handler(context)
            return
        said[1] += 1
        now = time.monotonic()
        if now - said[0] >= limits.CAP_LOG_SECONDS:
            log.warning(
                "out of file descriptors accepting a connection (%s; %s since the "
                "last such line); trying again in a second",
                context.get("exception"),
                plural(int(said[1]), "time"),
            )
            said[0], said[1] = now, 0

    loop.set_exception_handler(handle)
