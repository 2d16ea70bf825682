"""The shape of the code: the product in bot/, Slack listeners in handlers/, one settings object."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOT = {"bot/cli.py"}  # wires handlers/ to the product for `serve` and `demo`


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
