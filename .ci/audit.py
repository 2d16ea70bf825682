"""The vulnerability audit of the locked dependencies, saying plainly whether it ran.

Run by .ci/audit with pip-audit installed in a venv of its own. Each advisory database is tried
in turn (PyPI's, then OSV's): a known vulnerability fails the run; a database that answered for
no package is not an audit, and when none answers the run says "audit skipped" and why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("pypi", "osv")


@dataclass
class Report:
    service: str
    audited: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    error: str = ""


def parse(service: str, returncode: int, stdout: str, stderr: str) -> Report:
    """What one pip-audit run against one advisory database found out."""
    report = Report(service)
    try:
        dependencies = json.loads(stdout)["dependencies"]
    except (ValueError, KeyError, TypeError):
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        report.error = lines[-1][:300] if lines else f"pip-audit exited {returncode}"
        return report
    for dep in dependencies:
        name = f"{dep['name']} {dep.get('version', '')}".strip()
        if dep.get("skip_reason"):
            report.skipped.append(name)
            continue
        report.audited.append(name)
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            report.vulnerable.append(f"{name}: {vuln['id']} (fixed in {fixes})")
    return report


def verdict(reports: list[Report]) -> tuple[str, int]:
    """The line CI prints, and its exit status: 1 on a known vulnerability, else 0."""
    for report in reports:
        if report.vulnerable:
            found = "\n  ".join(report.vulnerable)
            return f"audit failed ({report.service}): known vulnerabilities\n  {found}", 1
    for report in reports:
        if report.audited:
            line = f"audit ran ({report.service}): {len(report.audited)} packages, none vulnerable"
            if report.skipped:
                line += f"; {len(report.skipped)} not audited: {', '.join(report.skipped)}"
            return line, 0
    why = "; ".join(
        f"{r.service}: {r.error}"
        if r.error
        else f"{r.service}: found none of {len(r.skipped)} packages"
        for r in reports
    )
    return f"audit skipped: no advisory database reachable ({why})", 0


def main(lock: str) -> int:
    reports = []
    for service in SERVICES:
        run = subprocess.run(
            [Path(sys.executable).with_name("pip-audit"), "--vulnerability-service", service,
             "--disable-pip", "--require-hashes", "-r", lock, "--format", "json",
             "--progress-spinner", "off", "--timeout", "30"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        report = parse(service, run.returncode, run.stdout, run.stderr)
        reports.append(report)
        if report.audited:
            break
    line, status = verdict(reports)
    print(line)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements/test.txt"))
