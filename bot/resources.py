"""What loopbot ships inside its package: the shipped documents and the message templates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped(name: str) -> Path:
    """The folder `bot/<name>` as installed (checkout, editable or wheel), as a path on disk."""
    folder = resources.files("bot") / name
    if not isinstance(folder, Path) or not folder.is_dir():
        # A zipped install would need extracting; loopbot is installed unpacked (pip, wheels).
        raise RuntimeError(f"loopbot's {name}/ is missing from its installation ({folder})")
    return folder
