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
    "schedule": {"config", "cron"},
    "deliver": set(),
    "daemon": {"config", "deliver", "practices", "schedule", "store"},
    "cli": {"config", "daemon", "deliver", "schedule", "store"},
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


def test_no_module_imports_upward() -> None:
    for name, allowed in ALLOWED.items():
        used = {
            m.removeprefix("halfway.")
            for m in imports_of(SRC / f"{name}.py")
            if m.startswith("halfway.")
        } | ({m for m in imports_of(SRC / f"{name}.py")} & set(ALLOWED))
        assert used <= allowed, f"{name} imports {used - allowed}"


def test_only_deliver_imports_apprise_and_only_store_imports_tinydb() -> None:
    for path in SRC.glob("*.py"):
        modules = {m.split(".")[0] for m in imports_of(path)}
        assert ("apprise" in modules) == (path.stem == "deliver"), path.name
        assert ("tinydb" in modules) == (path.stem == "store"), path.name
