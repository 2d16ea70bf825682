"""What loopbot ships beside its code: the shipped documents and the message templates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""The folder holding the `bot` package: a checkout (or editable install), or site-packages."""


def shipped(name: str) -> Path:
    """The folder `<name>/` loopbot ships (`seeds`, `templates`), as a path on disk.

    Two places, one per way of installing. In a checkout, and so in an editable install, the
    folder sits at the top (`templates/` beside `bot/` and `pyproject.toml`). A wheel installs it
    inside the package, as `bot/<name>` (pyproject.toml maps `bot.<name>` to `<name>/`). The
    editable install cannot stand in for the checkout here: setuptools' editable finder does not
    map a folder without `__init__.py` to the package name it is given (setuptools issue #4248),
    so `bot/<name>` does not exist in an editable install.
    """
    top = CHECKOUT / name
    if (CHECKOUT / "pyproject.toml").is_file() and top.is_dir():
        return top
    folder = resources.files("bot") / name
    if not isinstance(folder, Path) or not folder.is_dir():
        # A zipped install would need extracting; loopbot is installed unpacked (pip, wheels).
        raise RuntimeError(f"loopbot's {name}/ is missing from its installation ({folder})")
    return folder
