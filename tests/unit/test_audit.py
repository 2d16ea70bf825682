"""CI's audit line says whether the dependencies were audited, and fails on a known hole."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "ci_audit", Path(__file__).resolve().parents[2] / ".ci" / "audit.py"
)
audit = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = audit  # its dataclasses look their module up
spec.loader.exec_module(audit)


def _json(*deps: dict) -> str:
    return json.dumps({"dependencies": list(deps), "fixes": []})


CLEAN = {"name": "jinja2", "version": "3.1.6", "vulns": []}
UNKNOWN = {"name": "jinja2", "version": "3.1.6", "skip_reason": "Dependency not found on PyPI"}
HOLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}],
}


def test_a_known_vulnerability_fails_the_run_and_names_it() -> None:
    report = audit.parse("pypi", 1, _json(CLEAN, HOLE), "")
    line, status = audit.verdict([report])
    assert status == 1
    assert line.startswith("audit failed (pypi)")
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in line


def test_no_database_answering_is_reported_as_skipped_never_as_a_pass() -> None:
    unreachable = audit.parse("osv", 1, "", "Traceback …\nConnectionError: cannot resolve host\n")
    unknown = audit.parse("pypi", 0, _json(UNKNOWN, UNKNOWN), "")
    line, status = audit.verdict([unknown, unreachable])
    assert status == 0
    assert line.startswith("audit skipped: no advisory database reachable")
    assert "pypi: found none of 2 packages" in line
    assert "osv: ConnectionError: cannot resolve host" in line


def test_an_audit_that_answered_says_it_ran_and_what_it_could_not_check() -> None:
    report = audit.parse("osv", 0, _json(CLEAN, {**UNKNOWN, "name": "loopbot"}), "")
    line, status = audit.verdict([report])
    assert status == 0
    assert line == "audit ran (osv): 1 packages, none vulnerable; 1 not audited: loopbot 3.1.6"
