"""The one Jinja environment: every template under `templates/` (the reply page, a
nudge's e-mail, the digest's e-mail, page and text), loaded on first use, so a command
that shows no page never imports Jinja.

HTML is autoescaped: every word in it is text a person typed or chose, never markup.
The digest's plain text (`digest.txt`) is not escaped: it is read as text.

Every word in a template is written in English inside `{% trans %}` or `_()`, and is
read in the configured language (words/language.py), looked up at each render.

The digest's templates are written with each block tag on a line of its own, a line
that leaves nothing in the output (Jinja's `trim_blocks` and `lstrip_blocks`): they are
rendered with `trim=True`. The reply page and the e-mail are rendered as written. Both
ways share the loader and the autoescape rule: the trimming one is an overlay of the
other.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment, Template


def template(name: str, trim: bool = False) -> Template:
    """The template `name` (e.g. `reply.html`); with `trim`, its block tags' lines leave
    nothing in the output (the digest's templates)."""
    return (_trimming() if trim else _environment()).get_template(name)


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    from halfway.words import language

    environment = Environment(
        loader=PackageLoader("halfway", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    # `{% trans %}` and `_()` look up the language of the moment at each render (newstyle:
    # `_("Hi %(name)s", name=x)` escapes x, never the words around it; `pgettext("asks",
    # "Open")` for a word that reads two ways).
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        language.gettext_, language.ngettext, newstyle=True, pgettext=language.pgettext
    )
    # `<html lang="{{ lang }}">`: every page and mail names the language it is read in (a
    # render may pass its own `lang`; without one, the language of the moment).
    environment.globals["lang"] = _Current()
    return environment


class _Current:
    """The language of the moment, read each time a template writes it."""

    def __str__(self) -> str:
        from halfway.words import language

        return language.current()


@cache
def _trimming() -> Environment:
    # An overlay starts with an empty cache of its own: a template compiled untrimmed
    # (an included `footer.html`, say) is never reused trimmed, nor the other way round.
    return _environment().overlay(trim_blocks=True, lstrip_blocks=True)
