"""The shape of the code: the product in bot/, Slack listeners in handlers/, one settings object,
the message templates and shipped documents at the top, in templates/ and seeds/."""

from __future__ import annotations

import ast
import re
import tomllib
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOT = {"bot/cli.py"}  # wires handlers/ to the product for `serve` and `demo`
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_product_never_imports_the_slack_surface() -> None:
    offenders = []
    for path in _modules("bot"):
        name = str(path.relative_to(ROOT))
        if name in COMPOSITION_ROOT:
            continue
        bad = {m for m in _imports(path) if m.split(".")[0] in ("handlers", "slack_bolt")}
        if bad:
            offenders.append((name, bad))
    assert offenders == []


def test_only_settings_reads_the_environment() -> None:
    # Setting a variable for a library configured only that way (prometheus-client's
    # multi-process folder) is no read; any other mention of os.environ is.
    read = re.compile(r"os\.environ(?!\[\"[A-Z_]+\"\] = )|getenv\(")
    readers = [
        str(p.relative_to(ROOT))
        for p in [*_modules("bot"), *_modules("handlers")]
        if read.search(p.read_text())
    ]
    assert readers == []


def test_handlers_hold_no_sql() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _modules("handlers")
        if {m.split(".")[0] for m in _imports(p)} & {"sqlalchemy", "sqlmodel"}
        or "session.exec(" in p.read_text()
    ]
    assert offenders == []


def test_no_module_grows_past_four_hundred_lines() -> None:
    long = [
        (str(p.relative_to(ROOT)), n)
        for p in [*_modules("bot"), *_modules("handlers")]
        if "migrations" not in p.parts and (n := len(p.read_text().splitlines())) > 400
    ]
    assert long == []


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def _packages(folder: Path, package: str) -> set[str]:
    """`package`, and one below it for each folder holding files (setuptools sees packages)."""
    below = [d for d in folder.rglob("*") if d.is_dir() and "__pycache__" not in d.parts]
    return {package} | {
        ".".join((package, *d.relative_to(folder).parts)) for d in below if _files(d)
    }


def test_templates_and_seeds_sit_at_the_top() -> None:
    assert (ROOT / "templates").is_dir() and (ROOT / "seeds").is_dir()
    assert not (ROOT / "bot" / "templates").exists() and not (ROOT / "bot" / "seeds").exists()
    assert SETUPTOOLS["package-dir"] == {"bot.seeds": "seeds", "bot.templates": "templates"}


def test_pyproject_lists_every_package_folder() -> None:
    # A folder left off the list would be left out of the wheel, or shipped with a warning.
    on_disk = _packages(ROOT / "bot", "bot") | _packages(ROOT / "handlers", "handlers")
    for package, folder in SETUPTOOLS["package-dir"].items():
        on_disk |= _packages(ROOT / folder, package)
    assert sorted(SETUPTOOLS["packages"]) == sorted(on_disk)


def test_package_data_ships_every_template_and_seed() -> None:
    for package, folder in SETUPTOOLS["package-dir"].items():
        root = ROOT / folder
        shipped = {
            name
            for pattern in SETUPTOOLS["package-data"][package]
            for name in glob(pattern, root_dir=root, recursive=True)
        }
        left_out = [
            str(p.relative_to(ROOT))
            for p in _files(root)
            if str(p.relative_to(root)) not in shipped
        ]
        assert left_out == []
