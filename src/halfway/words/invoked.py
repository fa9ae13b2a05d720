"""The command the person started halfway with, so that a hint names what they can type
again: 'halfway init', '.venv/bin/halfway init' or 'python -m halfway init'.

`cli.run_main` (a real start: the console script, or `python -m halfway`) remembers it
once, from sys.argv[0]; until then (a test calling `cli.main`) it is plain 'halfway'.
Pure but for that one setting: imports nothing of halfway's.
"""

from __future__ import annotations

import os
import shlex
import shutil

NAME = "halfway"
_started = {"typed": NAME, "absolute": NAME}


def started_as(argv0: str, executable: str, search: str | None = None) -> tuple[str, str]:
    """(as the person typed it, as an absolute path) from sys.argv[0] and sys.executable.

    A program PATH (`search`) finds under its own name is given by that name; another is
    given as the path it was started by (relative if it was typed so). Started as a module
    (`-m halfway`), the Python that ran it: 'python -m halfway' when PATH finds that Python
    as 'python' or 'python3', else its path, relative to the current folder if under it.
    """
    if os.path.basename(argv0) == "__main__.py":
        absolute = f"{shlex.quote(os.path.abspath(executable))} -m {NAME}"
        for name in ("python", "python3"):
            found = shutil.which(name, path=search)
            if found and os.path.abspath(found) == os.path.abspath(executable):
                return f"{name} -m {NAME}", absolute
        inside = os.path.relpath(executable)
        python = executable if inside.startswith(os.pardir) else inside
        return f"{shlex.quote(python)} -m {NAME}", absolute
    absolute = shlex.quote(os.path.abspath(argv0))
    name = os.path.basename(argv0)
    found = shutil.which(name, path=search)
    if found and os.path.abspath(found) == os.path.abspath(argv0):
        return shlex.quote(name), absolute
    return shlex.quote(argv0), absolute


def remember(argv0: str, executable: str) -> None:
    """Keep how this process was started, for every hint it prints from now on."""
    _started["typed"], _started["absolute"] = started_as(argv0, executable)


def command(words: str = "", absolute: bool = False) -> str:
    """The command to type for `words` ('init' -> 'halfway init', as started); with
    `absolute`, by its full path (for `sudo -u OWNER …`, whose PATH may not find it)."""
    prog = _started["absolute" if absolute else "typed"]
    return f"{prog} {words}".rstrip()
