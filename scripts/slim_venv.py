"""Make the container's venv small: run by the Containerfile's builder with the venv's own
Python (`/opt/halfway/bin/python scripts/slim_venv.py`), after halfway is installed.

Each step leaves out only what halfway never runs, and says why:

- Babel's calendar data for every locale in the world (35 MB): halfway writes dates only
  in the languages it speaks (words/language.py LANGUAGES).
- fontTools' compiled accelerators (12 MB) and their C sources: fontTools ships each as a
  pure-Python module beside it (it publishes a pure-Python wheel too), and halfway only
  subsets a font or writes Helvetica text for the summary PDF.
- Build sources some wheels carry (.c, .pyx, .pxd, .pxi, .h) and type stubs (.pyi).
- Symbols in the shared libraries, when the builder has `strip` (binutils): what a
  debugger reads, never Python (13 MB).
- Libraries' own test suites (icalendar's, 2 MB), where nothing imports them.
- Bytecode only for the modules halfway imports when it runs (18 MB against 30 MB for
  all of them), compiled here because the image's user cannot write it later: without it
  every start and every `halfway status` compiles them again. Unchecked hashes: the
  sources never change in an image.

docs/benchmarks.md has the figures.

Pillow is uninstalled by pip before this runs (fpdf2 imports it only to draw images, which
the summary has none of).
"""

from __future__ import annotations

import importlib
import pathlib
import pkgutil
import py_compile
import shutil
import subprocess
import sys
import sysconfig
import warnings

SITE = pathlib.Path(sysconfig.get_paths()["purelib"])
SOURCES = ("*.c", "*.pyx", "*.pxd", "*.pxi", "*.h", "*.pyi")


def megabytes(folder: pathlib.Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def babel_locales() -> None:
    import babel

    from halfway.words.language import LANGUAGES

    for data in (pathlib.Path(babel.__file__).parent / "locale-data").glob("*.dat"):
        if data.stem != "root" and data.stem.split("_")[0] not in LANGUAGES:
            data.unlink()


def font_accelerators() -> None:
    for compiled in (SITE / "fontTools").rglob("*.so"):
        if not compiled.with_name(compiled.name.split(".")[0] + ".py").is_file():
            raise SystemExit(f"slim_venv: {compiled} has no pure-Python twin; keeping it")
        compiled.unlink()


def build_sources() -> None:
    for pattern in SOURCES:
        for source in SITE.rglob(pattern):
            source.unlink()


def symbols() -> None:
    strip = shutil.which("strip")
    if strip is None:
        print("slim_venv: no strip here (apt install binutils); the libraries keep symbols")
        return
    libraries = [str(lib) for lib in SITE.rglob("*.so*") if lib.is_file()]
    subprocess.run([strip, "--strip-unneeded", *libraries], check=True)


def warm_modules() -> list[str]:
    """Every module a running halfway imports: all of halfway's own, the apprise plugins
    it loads at its first send, fpdf2 for the summary, then whatever they pull in."""
    import halfway

    for found in pkgutil.walk_packages(halfway.__path__, "halfway."):
        if not found.name.endswith("__main__"):
            importlib.import_module(found.name)
    import apprise

    apprise.Apprise().add("json://127.0.0.1")  # loads every plugin module, as a send does
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        importlib.import_module("fpdf")
    files = (getattr(module, "__file__", None) for module in list(sys.modules.values()))
    return sorted({f for f in files if f and f.endswith(".py") and f.startswith(str(SITE))})


def bytecode() -> int:
    modules = warm_modules()
    for source in modules:
        py_compile.compile(
            source,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    return len(modules)


def test_suites() -> None:
    """After the warm-up: a package's tests folder, unless a module in it was imported."""
    for suite in SITE.glob("*/tests"):
        name = f"{suite.parent.name}.tests"
        if suite.is_dir() and not any(m == name or m.startswith(name + ".") for m in sys.modules):
            shutil.rmtree(suite)


def main() -> None:
    sys.dont_write_bytecode = True
    before = megabytes(SITE)
    babel_locales()
    font_accelerators()
    build_sources()
    symbols()
    compiled = bytecode()
    test_suites()
    print(f"slim_venv: {before:.0f} MB -> {megabytes(SITE):.0f} MB, {compiled} modules compiled")


if __name__ == "__main__":
    main()
