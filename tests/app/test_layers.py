"""The code's shape, checked: permissions decided only in `authz`, layers pointing down, one
use case per action.

These read the source (imports, attribute names, calls) so that a rule written in a second place
fails here before it can drift from the first.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a person is to a loop: only `authz` reads it (and the store builds it).
STANDING_FIELDS = {
    "is_creator",
    "is_admin",
    "is_recruiter",
    "letters",
    "round_letters",
    "submitted_all",
    "only_on_finalists",
}
BUILDS_STANDING = {"bot/authz.py", "bot/loops/queries.py"}
DOMAIN = ("bot/loops", "bot/scorecards", "bot/debrief", "bot/documents", "bot/store")
VIEW_AND_ABOVE = ("bot.app", "bot.slack.blocks", "bot.slack.messenger", "handlers", "slack_bolt")
# The HTTP wrapper and the middleware are plumbing (health, event claims), not listeners.
PLUMBING = {"handlers/http.py", "handlers/middleware.py"}
# A value type the domain may name without reaching Slack through it.
VALUE_TYPES = {"bot.slack.messenger", "bot.slack.messenger.SlackUser"}
# The command line is the entry point that wires the listeners into a server.
ENTRY_POINT = "bot/cli.py"
HANDLERS_MAY_NOT_IMPORT = (
    "bot.store",
    "bot.authz",
    "bot.loops.queries",
    "bot.loops.changes",
    "bot.loops.service",
    "sqlmodel",
    "sqlalchemy",
)


def sources(*folders: str) -> list[Path]:
    return sorted(
        p
        for folder in folders
        for p in (ROOT / folder).rglob("*.py")
        if "migrations" not in p.parts
    )


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in nodes(path):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@cache
def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a source file, parsed once for all the tests here (none changes them)."""
    return tuple(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def test_only_authz_reads_what_a_person_is_to_a_loop() -> None:
    offenders = []
    for path in sources("bot", "handlers"):
        if rel(path) == "bot/authz.py":
            continue
        for node in nodes(path):
            if isinstance(node, ast.Attribute) and node.attr in STANDING_FIELDS:
                offenders.append(f"{rel(path)}:{node.lineno} reads .{node.attr}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Standing"
                and rel(path) not in BUILDS_STANDING
            ):
                offenders.append(f"{rel(path)}:{node.lineno} builds a Standing")
    assert not offenders, "\n".join(offenders)


def test_no_permission_is_decided_from_the_admin_list_outside_authz_and_the_store() -> None:
    offenders = [
        f"{rel(path)}:{node.lineno}"
        for path in sources("bot", "handlers")
        if rel(path) not in BUILDS_STANDING | {"bot/settings.py"}
        for node in nodes(path)
        if isinstance(node, ast.Compare)
        and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
        and any(
            isinstance(c, ast.Name | ast.Attribute)
            and (getattr(c, "id", None) or getattr(c, "attr", None)) in ("admins", "loopbot_admins")
            for c in node.comparators
        )
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("folder", DOMAIN)
def test_the_domain_imports_no_view_use_case_or_listener(folder: str) -> None:
    offenders = [
        f"{rel(path)} imports {name}"
        for path in sources(folder)
        for name in imports(path)
        if name.startswith(VIEW_AND_ABOVE) and name not in VALUE_TYPES
    ]
    assert not offenders, offenders


def test_bot_never_imports_a_listener() -> None:
    offenders = [
        rel(path)
        for path in sources("bot")
        if rel(path) != ENTRY_POINT and any(name.startswith("handlers") for name in imports(path))
    ]
    assert not offenders, offenders


def test_listeners_reach_the_product_through_use_cases() -> None:
    offenders = [
        f"{rel(path)} imports {name}"
        for path in sources("handlers")
        if rel(path) not in PLUMBING
        for name in imports(path)
        if name.startswith(HANDLERS_MAY_NOT_IMPORT)
    ]
    assert not offenders, offenders


def test_listeners_are_top_level_functions() -> None:
    """`register` only wires ids to functions; no listener is a closure inside it."""
    offenders = []
    for path in sources("handlers"):
        if rel(path) in PLUMBING:
            continue
        for node in nodes(path):
            if isinstance(node, ast.FunctionDef) and node.name == "register":
                nested = [n.name for n in ast.walk(node) if isinstance(n, ast.FunctionDef)][1:]
                if nested:
                    offenders.append(f"{rel(path)}: {nested}")
    assert not offenders, offenders


@pytest.mark.parametrize("change", ["reschedule", "swap", "cancel"])
def test_each_change_to_a_loop_is_written_once(change: str) -> None:
    """The slash command and the modal for the same change call one use case, which is the
    only caller of the change itself."""
    callers = [
        f"{rel(path)}:{node.lineno}"
        for path in sources("bot", "handlers")
        for node in nodes(path)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == change
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "changes"
    ]
    assert len(callers) == 1 and callers[0].startswith("bot/app/loops.py"), callers
    use_case = {"reschedule": "reschedule_round", "swap": "swap_round", "cancel": "cancel_loop"}
    listeners = [
        rel(path)
        for path in sources("handlers")
        for node in nodes(path)
        if isinstance(node, ast.Attribute) and node.attr == use_case[change]
    ]
    assert listeners and set(listeners) == {"handlers/loops/manage.py"}, listeners
