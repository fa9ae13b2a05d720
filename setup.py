"""The one build step pyproject.toml cannot say: compile the gettext catalogs.

A wheel (`pip install .`, the container's builder) carries each language's catalog
compiled with Babel (`locale/LANG/LC_MESSAGES/halfway.mo`), made here from the `.po`
beside it; no `.mo` is committed. An editable install has only the `.po`, which
halfway compiles in memory on first use (src/halfway/words/language.py).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib, "halfway", "locale").glob("*/LC_MESSAGES/halfway.po"):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name, domain="halfway")
            with po.with_suffix(".mo").open("wb") as out:
                write_mo(out, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
