"""An e-mail's own HTML part for a nudge: its paragraphs and lines, escaped, and the
reply link as a button. Pure formatting: `sending` sends it through apprise."""

from __future__ import annotations

import re

from halfway.words import templates
from halfway.words.language import N_, _, current

MAIL_BUTTON = N_("Open the reply page")


def mail_html(title: str, body: str, link: str | None) -> str:
    """An e-mail's HTML part: the body's paragraphs and lines, escaped, and the reply
    link as a button (the line that carried it, like 'Reply: …', makes way for it).

    Apprise makes the e-mail's text part from this HTML; the template is laid out so
    that part keeps every line and blank line of `body`, and the link itself."""
    paragraphs: list[list[str]] = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = []
        for line in block.splitlines():
            if link and link in line:
                line = line.replace(link, "").strip()
                if not line or line.endswith(":"):
                    continue
            lines.append(line)
        if lines:
            paragraphs.append(lines)
    html = templates.template("mail.html").render(
        title=title, paragraphs=paragraphs, link=link, button=_(MAIL_BUTTON), lang=current()
    )
    return re.sub(r">\s+<", "><", html).strip()
