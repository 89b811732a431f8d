#!/bin/bash
# The modem's main job, from a fresh clone on Debian 12: install dependencies, build,
# and run the loopback (no radio hardware). Extra arguments go to dualsat-loopback.
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$SRC/scripts/install-deps.sh"
bash "$SRC/scripts/build.sh" "$SRC/build"
exec "$SRC/build/apps/dualsat-loopback" "$@"
