#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Configures and builds gr-dualsat. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args]
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$SRC/build}"
shift || true
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DENABLE_DOXYGEN=OFF "$@"
cmake --build "$BUILD" -j"$(nproc)"
