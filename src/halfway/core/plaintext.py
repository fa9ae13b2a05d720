"""Pure: text from outside (a reply page, a push button, an e-mail, the command line)
made plain before it is stored, and a stored text made safe to print on a terminal.

`clean` is the one function every door calls where a person's words enter: a reply's
value and note, a log entry, an ask, a boundary, a talk's topic. It keeps letters,
tabs and newlines (a note may have them) and drops what would act instead of being
read: a terminal's escape sequences (whole), the C0 and C1 control characters
(NUL, backspace, DEL …), and the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069) that make text display in another order than it is stored. A carriage
return, alone or before a newline, and the Unicode line and paragraph separators
become a newline.

`one_line` is for a terminal: the same cleaning (records written before it existed
were stored raw), then each newline shown as ` ⏎ `, so that a note can never print
a line of its own that reads like another record.
"""

from __future__ import annotations

import re

NEWLINE_MARK = " ⏎ "
# Anything that would act rather than be read; tab and newline are kept.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
# A terminal's escape sequences go whole, not just their ESC: an OSC (a window title)
# or a DCS/APC/PM/SOS string up to its terminator, a CSI (colours, clear screen) up to
# its final byte, any other ESC with what it takes. Each also in its 8-bit (C1) form.
_ESCAPES = re.compile(
    "(?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
    "|(?:\x1b\\[|\x9b)[0-?]*[ -/]*[@-~]?"
    "|\x1b[ -/]*[0-~]?"
)
_FIRST = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def clean(text: str) -> str:
    """`text` with its line breaks as newlines and nothing in it that acts (see above)."""
    if not _FIRST.search(text):  # the common case: one scan, no copy
        return text
    return _UNSAFE.sub("", _ESCAPES.sub("", _LINE_BREAKS.sub("\n", text)))


def one_line(text: str) -> str:
    """`text` cleaned, on one line: each newline shown as ' ⏎ '."""
    text = clean(text)
    return text.replace("\n", NEWLINE_MARK) if "\n" in text else text
