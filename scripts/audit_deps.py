#!/usr/bin/env python3
"""Audit the pinned requirements with pip-audit; fail only on a fixable hole.

Usage: scripts/audit_deps.py requirements.txt [more.txt ...]

- A known vulnerability WITH a fixed version available: listed, exit 1
  (upgrade the pin; or, after review, add its id to AUDIT_IGNORE in this
  file with the reason).
- A known vulnerability with no fix yet: listed, exit 0 (nothing to upgrade).
- Packages the advisory service could not look up, or no answer at all (no
  network to PyPI's JSON API): reported, exit 0. The gate then proves
  nothing: the report says so plainly.
"""

import json
import subprocess  # noqa: S404 (fixed argument list)
import sys
import tempfile
from pathlib import Path

#: Reviewed vulnerability ids that do not apply to the portal: id → reason.
AUDIT_IGNORE = {}


def run_pip_audit(requirements):
    """Run pip-audit; return (report dict or None, stderr text)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        args = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip"]
        for req in requirements:
            args += ["-r", req]
        for vuln_id in AUDIT_IGNORE:
            args += ["--ignore-vuln", vuln_id]
        args += ["--format", "json", "--output", str(out), "--progress-spinner", "off"]
        args += ["--timeout", "20"]
        result = subprocess.run(  # noqa: S603 (fixed argument list)
            args, capture_output=True, text=True, check=False, timeout=600
        )
        if not out.exists() or not out.read_text().strip():
            return None, result.stderr
        return json.loads(out.read_text()), result.stderr


def judge(report):
    """Return (fixable, unfixable, skipped) from a pip-audit JSON report."""
    fixable, unfixable, skipped = [], [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped.append((dep["name"], dep["skip_reason"]))
            continue
        for vuln in dep.get("vulns", []):
            row = (dep["name"], dep.get("version", "?"), vuln)
            (fixable if vuln.get("fix_versions") else unfixable).append(row)
    return fixable, unfixable, skipped


def main(requirements):
    print(f"pip-audit：检查 {' '.join(requirements)} 中固定版本的已知漏洞……")
    try:
        report, stderr = run_pip_audit(requirements)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"pip-audit 无法运行（{exc}）：本次未做漏洞检查，不阻断。")
        return 0
    if report is None:
        tail = stderr.strip().splitlines()[-3:]
        print(
            "pip-audit 未能连上漏洞数据库（PyPI JSON API）：本次未做漏洞检查，不阻断。"
        )
        for line in tail:
            print(f"  {line}")
        return 0
    fixable, unfixable, skipped = judge(report)
    audited = len(report.get("dependencies", [])) - len(skipped)
    print(f"已检查 {audited} 个包，{len(skipped)} 个无法查询。")
    if skipped and audited == 0:
        print(
            "漏洞数据库没有这些版本的记录（离线镜像或无法访问 PyPI）："
            "本次漏洞检查无效，不阻断。"
        )
    elif skipped:
        names = ", ".join(name for name, _reason in skipped[:10])
        print(f"无法查询：{names}{' …' if len(skipped) > 10 else ''}")
    for name, version, vuln in unfixable:
        print(f"  已知漏洞（暂无修复版本）：{name} {version} {vuln.get('id')}")
    for name, version, vuln in fixable:
        fixes = ", ".join(vuln.get("fix_versions", []))
        print(f"  已知漏洞（有修复版本 {fixes}）：{name} {version} {vuln.get('id')}")
    if fixable:
        print(f"发现 {len(fixable)} 个可修复的已知漏洞：请升级对应的固定版本。")
        return 1
    print("没有可修复的已知漏洞。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.txt"]))
