"""The layout shows the architecture, and each side effect has one choke point.

Which layer may import which is import-linter's contracts in pyproject.toml, run by
./scripts/test (`lint-imports`); these tests check what the contracts cannot: that
every module sits in a package the contracts name, and where apprise and TinyDB are
imported.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "halfway"


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(config["tool"]["importlinter"]["contracts"])


def layered_packages() -> set[str]:
    (layers,) = [c["layers"] for c in contracts() if c["type"] == "layers"]
    assert isinstance(layers, list)
    names = (name.strip() for layer in layers for name in layer.replace(":", "|").split("|"))
    return {name.removeprefix("halfway.") for name in names}


def imports_of(path: Path) -> set[str]:
    """The top-level packages `path` imports ('apprise', 'halfway', …)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found


def test_every_module_is_in_a_package_of_the_layers() -> None:
    loose = {p.name for p in SRC.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert loose == set(), "a module outside the packages"
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    assert packages == layered_packages()
    for package in packages:  # each says what is inside, for a newcomer's `ls`
        assert ast.get_docstring(ast.parse((SRC / package / "__init__.py").read_text()))


def test_the_contracts_hold_the_rules_the_layout_promises() -> None:
    kinds = {c["type"] for c in contracts()}
    assert {"layers", "forbidden", "acyclic_siblings"} <= kinds
    (pure,) = [c for c in contracts() if c["type"] == "forbidden"]
    assert pure["source_modules"] == ["halfway.core"]
    assert {"halfway.store", "halfway.config.loader", "tinydb", "apprise"} <= set(
        pure["forbidden_modules"]  # type: ignore[arg-type]
    )
    layers = layered_packages()
    assert {"cli", "demo", "engine"} <= layers


def test_only_sending_imports_apprise_and_only_the_store_imports_tinydb() -> None:
    for path in SRC.rglob("*.py"):
        name = str(path.relative_to(SRC).with_suffix(""))
        modules = imports_of(path)
        assert ("apprise" in modules) == (name == "channels/sending"), name
        assert ("tinydb" in modules) == (
            name in ("store/database", "store/datafile", "store/views")
        ), name


def test_the_readme_names_every_module_under_its_package() -> None:
    """README's 'How it works' has a table per package: a newcomer finds each module there."""
    readme = (ROOT / "README.md").read_text()
    named: set[str] = set()
    package = None
    for line in readme.splitlines():
        if line.startswith("**`") and line[3:].split("/", 1)[0].isidentifier():
            package = line[3:].split("/", 1)[0]
        elif package and line.startswith("| `"):
            named.add(f"{package}/{line[3:].split('`', 1)[0]}")
        elif line.strip() and not line.startswith("|"):
            package = None  # the tables end at the next paragraph
    modules = {
        str(p.relative_to(SRC).with_suffix(""))
        for p in SRC.rglob("*.py")
        if not p.name.startswith("__")
    }
    assert modules <= named, f"not in README: {sorted(modules - named)}"
    assert named <= modules, f"README names what is gone: {sorted(named - modules)}"
