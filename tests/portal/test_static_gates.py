"""The dependency audit gate: fail only on a vulnerability that has a fix."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "audit_deps", ROOT / "scripts" / "audit_deps.py"
)
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)


def report(*deps):
    return {"dependencies": list(deps), "fixes": []}


def test_a_vulnerability_with_a_fix_fails_the_gate(monkeypatch, capsys):
    fixable = {
        "name": "django",
        "version": "5.2.0",
        "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"]}],
    }
    monkeypatch.setattr(audit_deps, "run_pip_audit", lambda reqs: (report(fixable), ""))
    assert audit_deps.main(["requirements.txt"]) == 1
    assert "PYSEC-1" in capsys.readouterr().out


def test_a_vulnerability_without_a_fix_is_reported_only(monkeypatch, capsys):
    unfixable = {
        "name": "somepkg",
        "version": "1.0",
        "vulns": [{"id": "GHSA-x", "fix_versions": []}],
    }
    monkeypatch.setattr(
        audit_deps, "run_pip_audit", lambda reqs: (report(unfixable), "")
    )
    assert audit_deps.main(["requirements.txt"]) == 0
    assert "GHSA-x" in capsys.readouterr().out


def test_an_unreachable_advisory_database_reports_and_passes(monkeypatch, capsys):
    monkeypatch.setattr(
        audit_deps, "run_pip_audit", lambda reqs: (None, "ConnectionError: offline")
    )
    assert audit_deps.main(["requirements.txt"]) == 0
    assert "未做漏洞检查" in capsys.readouterr().out


def test_every_runtime_requirement_is_pinned():
    # pip-audit --no-deps audits exact pins only.
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            assert "==" in line, line
