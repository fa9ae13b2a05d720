"""Plain text from an e-mail's HTML, in one pass that is linear in the size of the markup.

A reply that only has an HTML part is read here: tags go, block ends become line ends,
and a ``<blockquote>`` starts with a ``>`` line so that the quoted original is cut off
like a plain-text quote. The markup is untrusted: each step moves forward with
`str.find` or an anchored match that cannot backtrack, and anything left unclosed
(a comment, a tag, a script) ends the text there, as it does in a browser. Python's
own `html.parser` is not used: before 3.12.11 it is quadratic on unclosed comments
(384 KB of ``<!--`` took 60 s on 3.11.7).
"""

from __future__ import annotations

import html
import re

__all__ = ["MAX_HTML", "html_to_text"]

#: Markup beyond this many characters is not read (the answer is at the top).
MAX_HTML = 256 * 1024

# A start or end tag after its "<": the name, then attributes up to ">" (quotes may hold
# a ">"). Possessive, so a tag that never closes fails in one scan, never by backtracking.
_TAG = re.compile(r"""(/?)([A-Za-z][A-Za-z0-9:-]*+)(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")
# Elements whose content is not text; it runs to their end tag.
_RAW = {name: re.compile(f"</{name}", re.IGNORECASE) for name in ("script", "style", "title")}
# Elements whose end ends a line, and elements that are a line end wherever they stand.
_BLOCK = frozenset(
    ("p", "div", "tr", "li", "table", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6")
)
_BREAK = frozenset(("br", "hr"))
# Where markup may start: "<" and a letter, "/", "!" or "?"; any other "<" is text ("<3").
_OPEN = re.compile(r"<[A-Za-z/!?]")
_SPACE = re.compile(r"\s+")


def _skip(markup: str, start: int, end: str) -> int:
    """The index after the next `end` from `start`, or the end of the markup if none."""
    found = markup.find(end, start)
    return len(markup) if found < 0 else found + len(end)


def _tag(markup: str, lt: int, out: list[str]) -> int:
    """Read the markup that starts at `lt`; return the index where text may go on."""
    if markup.startswith("<!--", lt):
        return _skip(markup, lt + 4, "-->")
    if markup.startswith(("<!", "<?"), lt):  # a doctype, CDATA or processing instruction
        return _skip(markup, lt + 2, ">")
    match = _TAG.match(markup, lt + 1)
    if match is None:  # "</" and no name: skipped to ">"; a tag never closed: the rest is in it
        return _skip(markup, lt + 2, ">") if markup[lt + 1] == "/" else len(markup)
    closing, name = match.group(1) == "/", match.group(2).lower()
    if not closing and name in _RAW:
        found = _RAW[name].search(markup, match.end())
        return len(markup) if found is None else _skip(markup, found.end(), ">")
    if name == "blockquote" and not closing:
        out.append("\n>\n")
    elif name in _BREAK or (closing and name in _BLOCK):
        out.append("\n")
    return match.end()


def html_to_text(markup: str) -> str:
    """Plain text from HTML; a quoted block starts with a ``>`` line so it is cut off."""
    markup = markup[:MAX_HTML]
    out: list[str] = []
    at = 0
    while at < len(markup):
        found = _OPEN.search(markup, at)
        lt = len(markup) if found is None else found.start()
        if lt > at:
            out.append(_SPACE.sub(" ", markup[at:lt]))  # HTML whitespace is not layout
        at = lt if found is None else _tag(markup, lt, out)
    text = html.unescape("".join(out)).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
