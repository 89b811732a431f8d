#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Soak test: runs the loopback daemon for a set time with numbered UDP traffic, MODCOD
# changes through the API every few seconds, /status and /metrics polling and SIGHUPs
# (config rewritten with a harmless change); samples the daemon's RSS, descriptors and
# threads once a second. Reports packets sent/received/lost/corrupted/out of order, the
# resource series (first/last/max, slope after warm-up), API and packet latency
# percentiles; exits non-zero on loss beyond the bound, unaccounted loss, RSS growth,
# descriptor or thread growth, or an API failure.
#
#   bash scripts/soak.sh --duration 3600 [--json report.json]   (modemd_soak.py --help)
#
# Uses build/apps/dualsat-modemd/dualsat-modemd (built if missing; MODEMD=path overrides).
# Ports are ephemeral: it can run next to scripts/loopback.sh.
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEMD="${MODEMD:-$SRC/build/apps/dualsat-modemd/dualsat-modemd}"
if [ ! -x "$MODEMD" ]; then
  bash "$SRC/scripts/build.sh" "$SRC/build"
fi
exec /usr/bin/python3 "$SRC/scripts/modemd_soak.py" --modemd "$MODEMD" "$@"
