"""Dependencies point one way, and each side effect has one choke point."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "halfway"

# module -> the halfway modules it may import
ALLOWED = {
    "cron": set(),
    "config": {"cron"},
    "store": set(),
    "practices": set(),
    "notify": set(),
    "reminders": set(),
    "schedule": {"config", "cron"},
    "deliver": set(),
    "status": {"config", "schedule"},
    "replies.tokens": set(),
    "replies.imap": set(),
    "replies.service": {"practices", "reminders", "replies", "replies.tokens", "store"},
    "replies.web": {"schedule", "replies", "replies.service", "replies.tokens", "store"},
    "outbox": {
        "config",
        "deliver",
        "practices",
        "reminders",
        "schedule",
        "store",
        "replies",
        "replies.service",
        "replies.tokens",
        "replies.imap",
    },
    "daemon": {"config", "notify", "outbox", "schedule", "store", "replies", "replies.web"},
    "cli": {
        "config",
        "daemon",
        "outbox",
        "deliver",
        "schedule",
        "status",
        "store",
        "replies",
        "replies.service",
    },
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "halfway":
                found |= {alias.name for alias in node.names if alias.name != "__version__"}
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def halfway_imports(name: str) -> set[str]:
    path = SRC / (name.replace(".", "/") + ".py")
    used = set()
    for module in imports_of(path):
        if module.startswith("halfway."):
            used.add(module.removeprefix("halfway."))
        elif module in ALLOWED or module == "replies":
            used.add(module)
    return used


def test_every_module_is_covered_by_the_rule() -> None:
    found = {str(p.relative_to(SRC).with_suffix("")).replace("/", ".") for p in SRC.rglob("*.py")}
    found -= {"__init__", "__main__", "replies.__init__"}
    assert found == set(ALLOWED)


def test_no_module_imports_upward() -> None:
    for name, allowed in ALLOWED.items():
        used = halfway_imports(name)
        assert used <= allowed, f"{name} imports {used - allowed}"


def test_only_deliver_imports_apprise_and_only_store_imports_tinydb() -> None:
    for path in SRC.rglob("*.py"):
        modules = {m.split(".")[0] for m in imports_of(path)}
        assert ("apprise" in modules) == (path.stem == "deliver"), path.name
        assert ("tinydb" in modules) == (path.stem == "store"), path.name
