"""Dependencies point one way, and each side effect has one choke point."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "halfway"

# module -> the halfway modules it may import
ALLOWED = {
    # pure rules and plain record types: they import nothing that touches the world
    "cron": set(),
    "faults": set(),
    "plaintext": set(),  # text from outside made plain (issue 16, item 11)
    "notify": set(),
    "practices": {"discretion", "words"},
    "words": set(),
    "plural": set(),  # a count with its noun: '1 nudge', '3 nudges' (issue 16, item 27)
    "invoked": set(),  # the command as started, for hints: '.venv/bin/halfway init' (16.27)
    "discretion": {"words"},  # the discreet words and every page's frame (issue 15)
    "reminders": set(),
    "deliveries": set(),
    "when": set(),
    "talks": {"invoked", "deliveries", "plaintext", "when"},
    "asks": {"invoked", "deliveries", "plaintext"},
    "boundaries": {"deliveries", "plaintext"},
    "layout": {"deliveries"},
    "config_types": {"cron"},
    "config_errors": set(),
    "config_practices": {"config_types"},
    "config_defaults": set(),
    "config_models": {
        "config_defaults",
        "config_errors",
        "config_practices",
        "config_types",
        "discretion",  # the defaults of discreet_title and quick_exit_url
        "words",
    },
    "config": {
        "invoked",
        "config_defaults",
        "config_errors",
        "config_models",
        "config_practices",
        "config_types",
    },
    "schedule": {"config", "cron"},
    "cursors": {"config", "deliveries", "schedule"},
    "pauses": {"cursors", "store"},
    "gaps": {"config", "deliveries", "reminders", "schedule"},
    "clockjump": {"config", "deliveries", "schedule"},
    "rewinding": {"clockjump", "config", "store", "talkbook"},  # a clock set back (issue 16)
    # the edges: each the one home of its side effect
    "datafile": {"deliveries", "faults", "invoked", "layout"},
    # issue 16: the months listed in the hot file, records' shape
    "archives": {"invoked", "datafile", "plural"},
    "store": {"invoked", "plural", "archives", "datafile", "deliveries", "layout", "owners"},
    "units": {"store"},  # issue 16: the pass's units of work, each on its own
    "owners": {"datafile"},  # issue 16: only the data folder's owner writes in it
    "samples": {"config", "datafile"},  # issue 16: sample data prints, never sends
    "deliver": {"mailbody", "sendfailure"},
    "sendfailure": set(),  # pure: a failed send's reason, from apprise's log lines
    "limits": set(),  # issue 16: every cap on what comes from outside, in one place
    # issue 16: the HTTP server's timeouts and connection cap
    "httpserve": {"plural", "limits", "logs", "replies", "replies.web"},
    "mailbody": set(),  # pure: a nudge e-mail's HTML part
    "logs": {"plural"},
    "runlock": set(),
    "links": {"invoked", "owners", "store"},  # issue 15: the private links' own tokens
    "erase": {"runlock"},
    # services: units of work over the store
    "replies.tokens": {"invoked"},
    "replies.htmltext": set(),
    "replies.mailparse": {"replies.htmltext"},
    "replies.imap": {"replies.mailparse"},
    "ledger": {"invoked", "asks", "boundaries", "deliveries", "limits", "plaintext", "store"},
    "replies.service": {
        "cursors",
        "deliveries",
        "ledger",
        "plaintext",
        "practices",
        "reminders",
        "replies",
        "replies.tokens",
        "store",
        "limits",
    },
    "replies.web": {
        "discretion",
        "ledger",
        "limits",  # a link's pace (issue 16)
        "logs",  # the HTTP loggers' filter: short, rate-limited lines (issue 11)
        "review",
        "schedule",
        "replies",
        "replies.service",
        "replies.tokens",
        "store",
    },
    "replies.mail": {"config", "replies", "replies.imap", "replies.service", "store"},
    "demo": {"deliveries", "replies", "replies.service", "store"},
    "planner": {
        "ledger",
        "clockjump",  # fires recorded before a clock went back; what a jump passed over
        "config",
        "cursors",
        "deliveries",
        "demo",
        "gaps",
        "practices",
        "reminders",
        "reminding",
        "replies",
        "replies.tokens",
        "rewinding",
        "schedule",
        "store",
        "talkbook",
    },
    # issue 15: asking again over the hot file, and what a pause drops
    "reminding": {
        "config",
        "cursors",
        "deliveries",
        "gaps",
        "practices",
        "reminders",
        "schedule",
        "store",
    },
    "outbox": {
        "plural",
        "config",
        "cursors",  # a send still waiting when a pause begins is not sent (issue 15)
        "deliver",
        "deliveries",
        "discretion",
        "faults",
        "reminders",
        "replies",
        "replies.service",
        "schedule",
        "store",
    },
    "alerts": {"config", "cursors", "deliveries", "discretion", "schedule", "store"},
    "status": {"plural", "config", "cursors", "deliveries", "schedule"},
    "export": {"asks", "replies", "replies.service"},
    "history": {"invoked", "asks", "plaintext", "replies", "replies.service"},
    # wiring
    "daemon": {
        "plural",
        "alerts",
        "care_nudges",
        "clockjump",  # the wall clock against the monotonic one (issue 16)
        "config",
        "deliver",
        "digest_send",
        "httpapp",
        "keys",
        "notify",
        "outbox",
        "planner",
        "replies",
        "replies.mail",
        "replies.service",  # a reply's log line
        "schedule",
        "store",
        "talkbook",
        "units",
        "httpserve",
        "limits",
    },
    "httpapp": {
        "reminding",  # when a "later" is asked again, for the reply page (issue 16, item 27)
        "calendar",
        "daemon",
        "digest_web",
        "discretion",
        "replies",
        "replies.service",  # a reply's log line
        "replies.web",
        "store",
    },
    "keys": {"invoked", "links", "replies", "replies.tokens", "store"},
    "launch": {"invoked", "config", "daemon", "datafile", "deliveries", "runlock", "store"},
    "commands": {
        "invoked",
        "reminding",  # when a "later" is asked again, for `reply` (issue 16, item 27)
        "plural",
        "config",
        "cursors",
        "deliver",
        "launch",
        "ledger",
        "logs",
        "outbox",
        "owners",
        "pauses",
        "plaintext",
        "planner",
        "replies",
        "replies.service",
        "replies.tokens",
        "runlock",
        "samples",
        "schedule",
        "settings",
        "status",
        "store",
    },
    "lookahead": {
        "plural",
        "care_nudges",  # when the care check is next due
        "commands",
        "config",
        "cursors",
        "digest_send",  # … and the weekly digest
        "planner",
        "runlock",
        "schedule",
        "settings",
        "status",
        "store",
        "talkbook",
    },
    "settings": {"invoked", "config", "deliver", "demo", "logs"},
    "reading": {"plural", "archives", "commands", "export", "history", "settings", "store"},
    "channeltest": {"commands", "deliver", "discretion", "settings"},
    "talkbook": {
        "invoked",
        "asks",
        "config",
        "cursors",
        "deliveries",
        "gaps",
        "schedule",
        "store",
        "talks",
    },
    # issue 9 points 6-8: the weekly review's grounding, care, the calendar feed
    "movement": {"deliveries"},
    "care": {"deliveries", "movement"},
    "review": {"asks", "deliveries", "store"},
    # what the digest and the care check share, so that a care note comes once
    "care_share": {"care", "config", "cursors", "schedule"},  # care's week_of
    "care_nudges": {
        "care",
        "care_share",
        "config",
        "cursors",
        "deliveries",
        "planner",
        "schedule",
        "store",
    },
    "calendar": {"config", "cursors", "deliveries", "discretion", "links", "schedule", "store"},
    "talkcmds": {
        "invoked",
        "plural",
        "commands",
        "config",
        "deliveries",
        "plaintext",
        "schedule",
        "settings",
        "store",
        "talkbook",
        "when",
    },
    "cli": {
        "invoked",
        "channeltest",
        "commands",
        "config",
        "demodata",
        "digestcmds",
        "ledgercmds",
        "linkcmds",
        "logs",
        "lookahead",
        "owners",
        "reading",
        "replies.tokens",
        "store",
        "talkcmds",
    },
    "ledgercmds": {
        "invoked",
        "asks",
        "boundaries",
        "commands",
        "deliveries",
        "ledger",
        "plaintext",
        "settings",
        "store",
    },
    # issue 10 point 5: sample data, made by the daemon and the commands' own writes
    "demodata": {
        "invoked",
        "plural",
        "commands",
        "config",
        "daemon",
        "deliver",
        "demostory",
        "runlock",
        "samples",
        "settings",
        "store",
    },
    "demostory": {
        "asks",
        "config",
        "daemon",
        "ledger",
        "replies",
        "replies.service",
        "store",
        "talkbook",
    },
    # issue 10: the weekly digest (figures pure; words, sending, page and command apart)
    "digest": {"care", "deliveries", "movement"},
    "digest_render": {"care", "digest", "discretion", "movement", "plaintext", "words"},
    "digest_send": {
        "plural",
        "care",
        "care_share",
        "config",
        "cursors",
        "deliveries",
        "digest",
        "digest_render",
        "discretion",
        "links",
        "practices",
        "schedule",
        "store",
    },
    "digest_web": {
        "config",
        "cursors",
        "deliveries",
        "digest",
        "digest_render",
        "digest_send",
        "discretion",
        "links",
        "pauses",  # the pause form writes what 'halfway pause --all' writes
        "replies",
        "replies.tokens",  # the forms' guard
        "schedule",
        "store",
    },
    "digestcmds": {
        "invoked",
        "commands",
        "deliveries",
        "digest",
        "digest_render",
        "digest_send",
        "discretion",
        "linkcmds",  # the same links, and the same warning about another daemon
        "links",
        "reading",
        "samples",
        "schedule",
        "settings",
        "store",
    },
    "linkcmds": {
        "invoked",
        "plural",
        "commands",
        "config",
        "erase",
        "links",
        "lookahead",
        "runlock",
        "settings",
    },
}


def is_halfway_module(name: str) -> bool:
    """Whether `name` (e.g. 'halfway.replies.tokens') is a module of ours, not a name in one."""
    parts = name.split(".")
    if parts[0] != "halfway" or len(parts) < 2:
        return False
    path = SRC.joinpath(*parts[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports; `from halfway.replies import tokens` counts as
    both `halfway.replies` and `halfway.replies.tokens`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            named = (f"{node.module}.{alias.name}" for alias in node.names)
            found |= {name for name in named if is_halfway_module(name)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def halfway_imports(path: Path) -> set[str]:
    """The halfway modules `path` imports, named as in ALLOWED ('replies.tokens')."""
    return {
        module.removeprefix("halfway.")
        for module in imports_of(path)
        if module.startswith("halfway.")
    }


def source_of(name: str) -> Path:
    return SRC / (name.replace(".", "/") + ".py")


def test_the_checker_sees_a_module_imported_from_a_package(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from halfway.replies import tokens\n"
        "from halfway.config import Settings\n"
        "from halfway import __version__, store\n"
        "import halfway.deliver\n"
        "def later() -> None:\n"
        "    from halfway.replies import service\n"
    )
    assert halfway_imports(sample) == {
        "replies",
        "replies.tokens",
        "replies.service",
        "config",
        "store",
        "deliver",
    }


def test_every_module_is_covered_by_the_rule() -> None:
    found = {str(p.relative_to(SRC).with_suffix("")).replace("/", ".") for p in SRC.rglob("*.py")}
    found -= {"__init__", "__main__", "replies.__init__"}
    assert found == set(ALLOWED)


def test_no_module_imports_upward() -> None:
    for name, allowed in ALLOWED.items():
        used = halfway_imports(source_of(name))
        assert used <= allowed, f"{name} imports {used - allowed}"


def test_only_deliver_imports_apprise_and_only_the_store_imports_tinydb() -> None:
    for path in SRC.rglob("*.py"):
        modules = {m.split(".")[0] for m in imports_of(path)}
        assert ("apprise" in modules) == (path.stem == "deliver"), path.name
        assert ("tinydb" in modules) == (path.stem in ("store", "datafile")), path.name
