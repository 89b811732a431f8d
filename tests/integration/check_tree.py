#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that the source tree keeps the promises its documents make:

  - every source file carries the SPDX licence line near its top (LICENSE is GPL-3.0-or-later);
  - the README's "Where the code lives" map names only paths that exist, and names every
    layer folder of lib/ (a folder with an include/dualsat/<folder>/ tree);
  - every layer named in lib/CMakeLists.txt has a folder, and every folder a layer.

Usage: check_tree.py SOURCE_DIR
"""
import os
import re
import subprocess
import sys

SPDX = "SPDX-License-Identifier: GPL-3.0-or-later"
SOURCE = re.compile(r"(\.(cc|h|cpp|hpp|c|py|sh|cmake|in|yml|yaml|service)|CMakeLists\.txt)$")
# Data and generated flowgraph files are not source; fuzz corpora are inputs.
SKIP = re.compile(r"^(data/|tests/fuzz/(corpus|regressions)/)|\.grc$")


def tracked_files(top):
    try:
        out = subprocess.run(["git", "ls-files"], cwd=top, check=True, capture_output=True, text=True)
        return [p for p in out.stdout.splitlines() if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if not d.startswith((".", "build"))]
            files += [os.path.relpath(os.path.join(root, n), top) for n in names]
        return files


def check_spdx(top, files):
    missing = []
    for p in files:
        if SKIP.search(p) or not SOURCE.search(p):
            continue
        path = os.path.join(top, p)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            head = "".join(f.readline() for _ in range(3))
        if SPDX not in head:
            missing.append(p)
    return [f"no SPDX line in the first 3 lines: {p}" for p in missing]


def readme_map(top):
    text = open(os.path.join(top, "README.md"), encoding="utf-8").read()
    m = re.search(r"^## Where the code lives\n(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        return None
    return m.group(1)


def check_map(top):
    section = readme_map(top)
    if section is None:
        return ["README.md has no '## Where the code lives' section"]
    errors = []
    # A backticked path with a slash must exist from the top; a bare file name (`x.cc`) must
    # exist somewhere below its row's folder (the row's first cell).
    for row in re.findall(r"^\|(.*)\|\s*$", section, re.M):
        cells = row.split("|")
        folder = re.findall(r"`([^`]+)`", cells[0])
        folder = folder[0] if folder else ""
        for path in set(re.findall(r"`([A-Za-z0-9_.\-/]+)`", row)):
            if "/" in path:
                if not os.path.exists(os.path.join(top, path)):
                    errors.append(f"README map names a path that does not exist: {path}")
            elif re.search(r"^[\w\-]+\.[a-z]{1,4}$", path):
                base = os.path.join(top, folder)
                if not any(path in names for _, _, names in os.walk(base)):
                    errors.append(f"README map names {path} under {folder}, where it is not")
    layers = sorted(d for d in os.listdir(os.path.join(top, "lib"))
                    if os.path.isdir(os.path.join(top, "lib", d, "include", "dualsat", d)))
    for layer in layers:
        if f"lib/{layer}/" not in section:
            errors.append(f"README map does not name the layer folder lib/{layer}/")
    return errors, layers


def check_cmake_layers(top, layers):
    text = open(os.path.join(top, "lib", "CMakeLists.txt"), encoding="utf-8").read()
    declared = sorted(set(re.findall(r"^dualsat_layer\((\w+)", text, re.M)))
    errors = [f"lib/CMakeLists.txt declares layer '{d}' with no lib/{d}/include/dualsat/{d}/"
              for d in declared if d not in layers]
    errors += [f"lib/{d}/ has headers but no dualsat_layer({d}) in lib/CMakeLists.txt"
               for d in layers if d not in declared]
    return errors


def main():
    top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    files = tracked_files(top)
    errors = check_spdx(top, files)
    map_result = check_map(top)
    if isinstance(map_result, list):
        errors += map_result
    else:
        map_errors, layers = map_result
        errors += map_errors + check_cmake_layers(top, layers)
    for e in errors:
        print(e)
    print(f"check_tree: {len(files)} files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
