#!/usr/bin/env python3
"""Prints the coverage summary (cobertura) and the closing test count line (trx) of a test run."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

results = sys.argv[1]

lines_valid = lines_covered = branches_valid = branches_covered = 0
packages = {}
for path in glob.glob(os.path.join(results, "**", "coverage.cobertura.xml"), recursive=True):
    root = ET.parse(path).getroot()
    for package in root.iter("package"):
        name = package.get("name")
        # Every test project instruments the assemblies it loads; keep the best run of each.
        covered = valid = 0
        for line in package.iter("line"):
            valid += 1
            covered += int(line.get("hits", "0")) > 0
        if valid and (name not in packages or packages[name][0] < covered):
            packages[name] = (covered, valid)

if packages:
    print("coverage (lines):")
    for name, (covered, valid) in sorted(packages.items()):
        print(f"  {name:<32} {100.0 * covered / valid:6.1f}%  ({covered}/{valid})")
        lines_covered += covered
        lines_valid += valid
    print(f"  {'total':<32} {100.0 * lines_covered / lines_valid:6.1f}%  ({lines_covered}/{lines_valid})")
else:
    print("coverage: no cobertura reports found")

passed = failed = skipped = 0
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in glob.glob(os.path.join(results, "**", "*.trx"), recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", "0"))
    failed += int(counters.get("failed", "0")) + int(counters.get("error", "0")) + int(counters.get("timeout", "0"))
    skipped += int(counters.get("notExecuted", "0"))

print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
