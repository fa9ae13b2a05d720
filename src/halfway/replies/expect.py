"""The `Expect` header, answered before any middleware or handler sees the request.

aiohttp answers an `Expect` other than `100-continue` with a 417 whose text repeats the
header; one that is not valid UTF-8 (`Expect: \\x80`, found by the fuzz) cannot be put
in that text, and was a 500 with a traceback. halfway answers one that is not ASCII
with a 417 that does not repeat it:

- every route of halfway's is given `handle` as its expect handler (aiohttp's public
  `expect_handler=` argument of `add_get`, `add_post`, `add_route`);
- `Unrouted`, a resource of its own (aiohttp's documented custom-resource door, put on
  the app by `replies.web.harden`), takes a request with such a header that no route
  takes: aiohttp's own 404 and 405 answers have no expect handler of ours to take.
"""

from __future__ import annotations

from aiohttp import HttpVersion11, hdrs, web

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


async def handle(request: web.Request) -> None:
    """As aiohttp's own expect handler (100-continue goes on, any other expectation is a
    417 naming it), but one that is not ASCII is a 417 that does not repeat it."""
    expect = request.headers.get(hdrs.EXPECT, "")
    if not expect.isascii():
        raise web.HTTPExpectationFailed(text="Unknown Expect header.")
    if request.version == HttpVersion11:
        if expect.lower() != "100-continue":
            raise web.HTTPExpectationFailed(text=f"Unknown Expect: {expect}")
        await request.writer.write(CONTINUE)
        request.writer.output_size = 0  # what was written is not yet the answer


async def _unreached(request: web.Request) -> web.StreamResponse:
    raise web.HTTPExpectationFailed(text="Unknown Expect header.")  # `handle` answered first


class Unrouted(web.PlainResource):
    """Any path and method, when the request's `Expect` header is not ASCII: a 417 from
    `handle`. aiohttp tries the resources for a request's path from its longest prefix
    down to `/`, where this one sits: it takes what no route took (and, at `/` itself,
    gives the 417 the route there would give)."""

    def __init__(self) -> None:
        super().__init__("/")
        self.route = self.add_route(hdrs.METH_ANY, _unreached, expect_handler=handle)

    async def resolve(
        self, request: web.Request
    ) -> tuple[web.UrlMappingMatchInfo | None, set[str]]:
        if request.headers.get(hdrs.EXPECT, "").isascii():
            return None, set()
        return web.UrlMappingMatchInfo({}, self.route), set()

    def raw_match(self, path: str) -> bool:
        return False  # so a route added at `/` later gets a resource of its own
