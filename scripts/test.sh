#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole test suite, from a fresh clone on Debian 12: install dependencies, build,
# run ctest (Catch2 unit tests, Python qa tests, GRC checks, integration tests).
#   scripts/test.sh               Release build in build/
#   scripts/test.sh --sanitizers  ASan + UBSan build in build-sanitizers/
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$SRC/build"
EXTRA=()
if [ "${1:-}" = "--sanitizers" ]; then
  BUILD="$SRC/build-sanitizers"
  EXTRA=(-DENABLE_SANITIZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
bash "$SRC/scripts/install-deps.sh"
bash "$SRC/scripts/build.sh" "$BUILD" "${EXTRA[@]}"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" --timeout 1500
