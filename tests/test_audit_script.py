""".ci/audit.sh ends with one verdict line that says whether the audit ran.

Hermetic: the service probe points at a file (reachable) or a closed loopback port
(unreachable), and a fake ``pip-audit`` prints what the real one prints in each case.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "audit.sh"
ENV_UNDER_AUDIT = sys.prefix  # the virtualenv running the tests
N_PACKAGES = len(subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                                capture_output=True, text=True, check=True).stdout.splitlines())

pytestmark = [pytest.mark.timeout(120)]


def run_audit(tmp_path, fake_output: str | None = None, fake_rc: int = 0,
              service: str | None = None) -> tuple[int, list[str]]:
    tool = tmp_path / "eventwire-audit-venv" / "bin"
    tool.mkdir(parents=True, exist_ok=True)
    (tool / "pip-audit").write_text(
        f"#!/bin/sh\ncat <<'EOF'\n{fake_output or ''}\nEOF\nexit {fake_rc}\n")
    (tool / "pip-audit").chmod(0o755)
    probe = tmp_path / "service.json"
    probe.write_text("{}")
    env = {**os.environ, "TMPDIR": str(tmp_path), "EVENTWIRE_AUDIT_VENV": ENV_UNDER_AUDIT,
           "EVENTWIRE_AUDIT_SERVICE_URL": service or probe.as_uri()}
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env,
                          timeout=100)
    return proc.returncode, proc.stdout.strip().splitlines()


def test_unreachable_service_is_a_plain_skip(tmp_path):
    rc, lines = run_audit(tmp_path, service="http://127.0.0.1:9/")
    assert rc == 0
    assert lines[-1].startswith("AUDIT SKIPPED: cannot reach the advisory service at "
                                "http://127.0.0.1:9/ (URLError")


def test_clean_run_says_ok(tmp_path):
    rc, lines = run_audit(tmp_path, "No known vulnerabilities found")
    assert rc == 0
    assert lines[-1] == (f"AUDIT OK: {N_PACKAGES} of {N_PACKAGES} packages audited against "
                         "PyPI's advisories; no known vulnerabilities outside "
                         ".ci/audit-allowlist.txt")


def test_findings_fail_with_the_count(tmp_path):
    rc, lines = run_audit(tmp_path, "Name Version ID Fix Versions\n"
                                    "jinja2 3.1.2 GHSA-h5c8-rqwp-cp95 3.1.3\n"
                                    "Found 1 known vulnerability in 1 package", 1)
    assert rc == 1
    assert "jinja2 3.1.2 GHSA-h5c8-rqwp-cp95 3.1.3" in lines
    assert lines[-1].startswith("AUDIT FOUND: Found 1 known vulnerability in 1 package; ")


def test_a_service_that_knows_no_package_audited_nothing(tmp_path):
    unknown = "\n".join(f"pkg{i} Dependency not found on PyPI and could not be audited: pkg{i}"
                        for i in range(N_PACKAGES))
    rc, lines = run_audit(tmp_path, "No known vulnerabilities found\n" + unknown)
    assert rc == 0
    assert lines[-1].startswith("AUDIT SKIPPED: the advisory service answered but had data "
                                f"for none of the {N_PACKAGES} packages")


def test_a_lost_connection_mid_run_is_a_skip(tmp_path):
    rc, lines = run_audit(tmp_path, "requests.exceptions.ConnectionError: HTTPSConnectionPool("
                                    "host='pypi.org', port=443): Max retries exceeded", 1)
    assert rc == 0
    assert lines[-1] == ("AUDIT SKIPPED: pip-audit lost the advisory service mid-run "
                         "(ConnectionError)")


def test_no_environment_is_an_error(tmp_path):
    env = {**os.environ, "EVENTWIRE_AUDIT_VENV": str(tmp_path / "nowhere")}
    proc = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and proc.stdout.startswith("AUDIT ERROR: no environment at ")
