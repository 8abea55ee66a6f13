#!/usr/bin/env python3
# The dependency direction of the tree, checked over its #include graph: common/ includes nothing
# of ours; agent/ and ansible-free-recipes/ include only common/ (and themselves); the
# controller's core includes none of its edges. Prints every offending FILE:LINE and exits 1.
# Usage: check_includes.py ROOT        check the tree at ROOT
#        check_includes.py --self-test ROOT   prove the check fails on injected bad includes
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCES = {".h", ".hpp", ".cpp", ".cc"}
CORE = ["controller/sessions", "controller/reconciler", "controller/provisioning",
        "controller/provider", "controller/grading", "controller/store", "controller/images",
        "controller/evidence"]
EDGES = ["controller/api", "controller/cli", "controller/web", "controller/console",
         "controller/daemon"]
OURS = ["common", "controller", "agent", "ansible-free-recipes"]

# (folders the rule applies to, include prefixes they must not use, why)
RULES = [
    (["common"], ["controller/", "agent/", "ansible-free-recipes/"], "common/ includes nothing of ours"),
    (["agent"], ["controller/", "ansible-free-recipes/"], "agent/ includes only common/"),
    (["ansible-free-recipes"], ["controller/", "agent/"], "ansible-free-recipes/ includes only common/"),
    (CORE, [e + "/" for e in EDGES], "the controller's core includes no edge"),
]


def under(rel, folders):
    return any(rel == f or rel.startswith(f + "/") for f in folders)


def violations(root):
    root = pathlib.Path(root)
    found = []
    for top in OURS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            rules = [r for r in RULES if under(rel, r[0])]
            if not rules:
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                for _, banned, why in rules:
                    if any(m.group(1).startswith(b) for b in banned):
                        found.append(f"{rel}:{number}: includes \"{m.group(1)}\": {why}")
    return found


def check(root):
    found = violations(root)
    for f in found:
        print(f)
    if found:
        print(f"{len(found)} include(s) against the dependency direction (docs: ARCHITECTURE.md)")
        return 1
    print("include graph: dependencies point inward")
    return 0


def self_test(root):
    # A copy of the real tree must pass; the same copy with one bad include per rule must fail
    # naming exactly those files and lines.
    injected = {
        "common/result.h": "controller/store/store.h",
        "agent/main.cpp": "controller/api/api.h",
        "ansible-free-recipes/engine/zz_injected.cpp": "agent/runner.h",
        "controller/reconciler/placement.h": "controller/api/actions_api.h",
        "controller/sessions/zz_injected.h": "controller/cli/commands.h",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for top in OURS:
            shutil.copytree(pathlib.Path(root) / top, pathlib.Path(tmp) / top,
                            ignore=shutil.ignore_patterns("recipes", "*.yaml", "*.md"))
        script = [sys.executable, __file__, tmp]
        clean = subprocess.run(script, capture_output=True, text=True)
        if clean.returncode != 0:
            print("self-test: the untouched copy fails:\n" + clean.stdout)
            return 1
        expected = []
        for rel, target in injected.items():
            path = pathlib.Path(tmp) / rel
            text = path.read_text() if path.exists() else ""
            path.write_text(text + f'#include "{target}"\n')
            expected.append(f"{rel}:{len(text.splitlines()) + 1}:")
        dirty = subprocess.run(script, capture_output=True, text=True)
        if dirty.returncode != 1:
            print("self-test: the check passed a tree with bad includes:\n" + dirty.stdout)
            return 1
        missing = [e for e in expected if not any(l.startswith(e) for l in dirty.stdout.splitlines())]
        if missing or len(dirty.stdout.splitlines()) != len(expected) + 1:
            print("self-test: expected exactly " + ", ".join(expected) + "; got:\n" + dirty.stdout)
            return 1
    print(f"self-test: {len(injected)} injected bad includes reported, the clean copy passes")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        sys.exit(self_test(sys.argv[2]))
    if len(sys.argv) != 2:
        sys.exit("usage: check_includes.py [--self-test] ROOT")
    sys.exit(check(sys.argv[1]))
