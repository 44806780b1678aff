"""The installed package holds every module the bot imports.

CI installs the project with `pip install .`, not in editable mode, so a subpackage missing
from pyproject's list would be absent from a real installation while the tests, run from the
checkout, still find it.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL = ("bot", "handlers", "content")


def packages_in_the_checkout() -> set[str]:
    found = set()
    for top in TOP_LEVEL:
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_every_package_of_the_checkout_is_installed() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    assert packages_in_the_checkout() - listed == set()
    assert listed - packages_in_the_checkout() == set()
